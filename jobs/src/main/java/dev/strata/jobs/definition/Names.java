package dev.strata.jobs.definition;

import java.util.regex.Pattern;

/**
 * What a pipeline, source, table or schedule may be called. A name becomes a folder of the
 * warehouse, a lease file, a Spark view and a column of the ledger, so it is an identifier:
 * lowercase letters, digits and underscores, starting with a letter, at most {@link #MAX_LENGTH}
 * characters. Nothing else (no '/', '..', quotes, spaces or dots) can reach a path.
 */
public final class Names {
  /** The longest name accepted. */
  public static final int MAX_LENGTH = 64;

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  private Names() {}

  /** Whether {@code name} is a valid pipeline, source, table or schedule name. */
  public static boolean valid(String name) {
    return name != null && name.length() <= MAX_LENGTH && NAME.matcher(name).matches();
  }

  /**
   * Why {@code name} is not valid, for a message that goes on "the name 'x' ...", or null if it is
   * valid.
   */
  public static String problem(String name) {
    if (valid(name)) {
      return null;
    }
    if (name == null || name.isEmpty()) {
      return "is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "is longer than " + MAX_LENGTH + " characters";
    }
    return "is not an identifier: use lowercase letters, digits and underscores, starting with a letter (e.g. "
        + suggestion(name) + ")";
  }

  /** The closest valid name, to suggest. */
  static String suggestion(String name) {
    String s = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]+", "_").replaceAll("^[^a-z]+", "").replaceAll("_+$", "");
    return s.isEmpty() ? "my_table" : s.length() > MAX_LENGTH ? s.substring(0, MAX_LENGTH) : s;
  }
}

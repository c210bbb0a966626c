package dev.strata.api;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parameters a pipeline definition gives an extension: a transform ({@code transform: {class:
 * ..., options: {...}}}) or a check ({@code checks: [{check: ..., options: {...}}]}), so that one
 * class serves several tables. Values are strings as written in the
 * definition; the typed getters fail with a message naming the option, its value and what was
 * expected.
 */
public final class Options {
  /** No options: a transform named by its class alone. */
  public static final Options NONE = new Options(Map.of(), "");

  private final Map<String, String> values;
  private final String where;

  private Options(Map<String, String> values, String where) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    this.where = where;
  }

  /**
   * @param values option name to its value as written
   * @param where where the options are declared (file:line), named in error messages
   */
  public static Options of(Map<String, String> values, String where) {
    return values.isEmpty() && where.isEmpty() ? NONE : new Options(values, where);
  }

  public static Options of(Map<String, String> values) {
    return of(values, "");
  }

  /** Every option, sorted by name. */
  public Map<String, String> asMap() {
    return values;
  }

  public Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name));
  }

  /**
   * A required option.
   *
   * @throws IllegalArgumentException naming the option and where to declare it, if it is missing
   */
  public String require(String name) {
    String value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException(
          "Missing the option '" + name + "'" + at() + ". Declare it under options in the table's definition.");
    }
    return value;
  }

  public String get(String name, String otherwise) {
    return values.getOrDefault(name, otherwise);
  }

  public long getLong(String name, long otherwise) {
    return parsed(name, otherwise, Long::parseLong, "a whole number");
  }

  public double getDouble(String name, double otherwise) {
    return parsed(name, otherwise, Double::parseDouble, "a number");
  }

  private <T> T parsed(String name, T otherwise, java.util.function.Function<String, T> parse, String what) {
    String value = values.get(name);
    if (value == null) {
      return otherwise;
    }
    try {
      return parse.apply(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Option '" + name + "'" + at() + " is '" + value + "', which is not " + what + ".", e);
    }
  }

  public boolean getBoolean(String name, boolean otherwise) {
    String value = values.get(name);
    if (value == null) {
      return otherwise;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("Option '" + name + "'" + at() + " is '" + value + "': write true or false.");
    };
  }

  private String at() {
    return where.isEmpty() ? "" : " (" + where + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Options t && t.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}

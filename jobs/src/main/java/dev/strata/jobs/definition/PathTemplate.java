package dev.strata.jobs.definition;

import dev.strata.api.Partition;
import dev.strata.api.Partition.Granularity;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A source path with the tokens that name a partition: {@code {date}} (the day, {@code
 * yyyy-MM-dd}), {@code {hour}} (the hour: {@code HH} beside a {@code {date}}, else {@code
 * yyyy-MM-ddTHH}) and {@code {month}} ({@code yyyy-MM}), each with an optional pattern of {@link
 * DateTimeFormatter} ({@code {date:yyyy/MM/dd}}, {@code {hour:yyyyMMddHH}}). The finest token sets
 * the source's granularity; a path without tokens is an unpartitioned source, read whole.
 *
 * <p>Each token is the partition's first moment, formatted: a monthly path may write {@code
 * {month:yyyy/MM}}, an hourly one {@code {date}/{hour}} or {@code {hour:yyyy/MM/dd/HH}}.
 */
public final class PathTemplate {
  /** A token: its name, and its pattern if it has one. */
  public static final Pattern TOKEN = Pattern.compile("\\{(date|hour|month)(?::([^}]+))?}");

  private final String path;
  private final List<Token> tokens;
  private final Granularity granularity;

  private record Token(String name, String pattern, int start, int end) {}

  private PathTemplate(String path) {
    this.path = path;
    List<Token> found = new ArrayList<>();
    Matcher m = TOKEN.matcher(path);
    boolean hasDate = path.contains("{date");
    while (m.find()) {
      String pattern = m.group(2) != null ? m.group(2) : switch (m.group(1)) {
        case "date" -> "yyyy-MM-dd";
        case "hour" -> hasDate ? "HH" : "yyyy-MM-dd'T'HH";
        default -> "yyyy-MM";
      };
      found.add(new Token(m.group(1), pattern, m.start(), m.end()));
    }
    this.tokens = List.copyOf(found);
    this.granularity = found.stream().anyMatch(t -> t.name().equals("hour")) ? Granularity.HOUR
        : found.stream().anyMatch(t -> t.name().equals("date")) ? Granularity.DAY
        : found.isEmpty() ? Granularity.NONE : Granularity.MONTH;
  }

  public static PathTemplate of(String path) {
    return new PathTemplate(path);
  }

  /** The granularity of the partitions the path names: its finest token's; NONE without tokens. */
  public Granularity granularity() {
    return granularity;
  }

  /**
   * What is wrong with the path's tokens, in words (a pattern {@link DateTimeFormatter} refuses, a
   * pattern that cannot tell the partitions apart); empty if nothing.
   */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    for (Token t : tokens) {
      try {
        DateTimeFormatter.ofPattern(t.pattern(), Locale.ROOT);
      } catch (IllegalArgumentException e) {
        problems.add("'" + t.pattern() + "' is not a date pattern: " + e.getMessage());
      }
    }
    if (problems.isEmpty() && !tokens.isEmpty()) {
      Partition sample = Partition.of(granularity, LocalDateTime.of(2024, 11, 28, 13, 0));
      if (render(sample.next()).equals(render(sample))) {
        problems.add("its tokens name the same folder for two " + granularity.key() + "s (" + render(sample)
            + "); write every field of the " + granularity.key() + " (e.g. " + (granularity == Granularity.HOUR ? "{date}/{hour}" : "{date}") + ")");
      } else if (!parse(render(sample)).equals(Optional.of(sample))) {
        problems.add("its tokens cannot be read back into the " + granularity.key() + " they name (" + render(sample)
            + "); write every field of the " + granularity.key() + " as digits");
      }
    }
    return problems;
  }

  /** The path as declared, tokens and all. */
  public String path() {
    return path;
  }

  /** The path of one partition: each token replaced by the partition's first moment, formatted. */
  public String render(Partition partition) {
    if (tokens.isEmpty()) {
      return path;
    }
    StringBuilder out = new StringBuilder();
    int at = 0;
    for (Token t : tokens) {
      out.append(path, at, t.start());
      out.append(partition.start().format(DateTimeFormatter.ofPattern(t.pattern(), Locale.ROOT)));
      at = t.end();
    }
    return out.append(path.substring(at)).toString();
  }

  /** The folder above the first token: one recursive listing of it finds every partition. The path itself without tokens. */
  public String root() {
    if (tokens.isEmpty()) {
      return path;
    }
    int slash = path.lastIndexOf('/', tokens.get(0).start());
    return slash < 0 ? "." : path.substring(0, slash);
  }

  /**
   * The partition a folder of the source holds, from the part of its path below {@link #root}
   * (e.g. {@code /2024-03-01/07} for {@code landing/t/{date}/{hour}}); empty if the folder is not
   * one of the path's, or names no valid time.
   */
  public Optional<Partition> parse(String folder) {
    if (tokens.isEmpty()) {
      return Optional.of(Partition.whole());
    }
    Matcher m = folderRegex().matcher(folder);
    if (!m.find()) {
      return Optional.empty();
    }
    StringBuilder values = new StringBuilder();
    StringBuilder patterns = new StringBuilder();
    for (int i = 0; i < tokens.size(); i++) {
      values.append(m.group(i + 1)).append('\u0001');
      patterns.append(tokens.get(i).pattern()).append("'\u0001'");
    }
    try {
      DateTimeFormatter formatter = new DateTimeFormatterBuilder().appendPattern(patterns.toString())
          .parseDefaulting(ChronoField.MONTH_OF_YEAR, 1).parseDefaulting(ChronoField.DAY_OF_MONTH, 1)
          .parseDefaulting(ChronoField.HOUR_OF_DAY, 0).toFormatter(Locale.ROOT);
      LocalDateTime start = LocalDateTime.parse(values.toString(), formatter);
      Partition p = Partition.of(granularity, start);
      // A folder that parses to another partition than it names (2024-02-30, 24 o'clock): not one of them.
      return render(p).endsWith(m.group()) ? Optional.of(p) : Optional.empty();
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** A regex matching the part of a folder's path from the segment of the first token to its end. */
  private Pattern folderRegex() {
    StringBuilder regex = new StringBuilder();
    int slash = path.lastIndexOf('/', tokens.get(0).start());
    int at = slash < 0 ? 0 : slash;
    for (Token t : tokens) {
      regex.append(Pattern.quote(path.substring(at, t.start())));
      regex.append('(').append(regexOf(t.pattern())).append(')');
      at = t.end();
    }
    // From the segment of the first token on: the root is already chosen by the listing, which may
    // spell its scheme differently (file:/x for file:///x).
    regex.append(Pattern.quote(path.substring(at)));
    return Pattern.compile(regex + "$");
  }

  /** A regex for what a {@link DateTimeFormatter} pattern writes: its letters as digits, quoted text as itself. */
  static String regexOf(String pattern) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\'') {
        int close = pattern.indexOf('\'', i + 1);
        String literal = close < 0 ? pattern.substring(i + 1) : pattern.substring(i + 1, close);
        out.append(literal.isEmpty() ? "'" : Pattern.quote(literal));
        i = close < 0 ? pattern.length() : close;
      } else if (Character.isLetter(c)) {
        out.append("\\d");
      } else {
        out.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return out.toString();
  }
}

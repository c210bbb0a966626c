package dev.strata.api;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;

/**
 * One partition of a table: the unit Strata builds, gates, publishes, records and leases. A value
 * (equal when its granularity and start are), so that it can be a map key, a ledger key and part
 * of a path.
 *
 * <p>A partition covers an interval of wall-clock time, {@code [start, end)}: an hour, a day or a
 * month; the one partition of an unpartitioned table covers all time. Partitions of different
 * granularities relate by their intervals: a day {@link #overlaps} each of its 24 hours and lies
 * {@link #within} its month. Its written form ({@link #toString}) says its granularity: {@code
 * 2024-03-01T07} (an hour), {@code 2024-03-01} (a day), {@code 2024-03} (a month), {@value #ALL}
 * (the whole table).
 */
public final class Partition implements Comparable<Partition> {
  /** The written form of the one partition of an unpartitioned table. */
  public static final String ALL = "all";

  private static final DateTimeFormatter HOUR_FORM = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH", Locale.ROOT);
  private static final DateTimeFormatter START_TEXT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  /** How much time one partition covers. */
  public enum Granularity {
    /** One hour, written {@code yyyy-MM-ddTHH}. */
    HOUR("yyyy-MM-ddTHH"),
    /** One calendar day, written {@code yyyy-MM-dd}. */
    DAY("yyyy-MM-dd"),
    /** One calendar month, written {@code yyyy-MM}. */
    MONTH("yyyy-MM"),
    /** The whole table: an unpartitioned table has one partition, written {@value Partition#ALL}. */
    NONE(ALL);

    private final String form;

    Granularity(String form) {
      this.form = form;
    }

    /** How a partition of this granularity is written, e.g. {@code yyyy-MM-dd}. */
    public String form() {
      return form;
    }

    /** The word a definition uses: {@code hour}, {@code day}, {@code month}, {@code none}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The granularity a definition's word names ({@link #key}). */
    public static java.util.Optional<Granularity> fromKey(String word) {
      for (Granularity g : values()) {
        if (g.key().equalsIgnoreCase(word.strip())) {
          return java.util.Optional.of(g);
        }
      }
      return java.util.Optional.empty();
    }

    /** Whether a partition of this granularity covers less time than one of {@code other}. */
    public boolean finerThan(Granularity other) {
      return ordinal() < other.ordinal();
    }
  }

  private static final Partition WHOLE = new Partition(Granularity.NONE, LocalDateTime.MIN);

  private final Granularity granularity;
  private final LocalDateTime start;

  private Partition(Granularity granularity, LocalDateTime start) {
    this.granularity = Objects.requireNonNull(granularity, "granularity");
    this.start = Objects.requireNonNull(start, "start");
  }

  /** The partition of one day. */
  public static Partition day(LocalDate date) {
    return new Partition(Granularity.DAY, date.atStartOfDay());
  }

  /** The partition of one hour: the hour {@code time} falls in. */
  public static Partition hour(LocalDateTime time) {
    return new Partition(Granularity.HOUR, time.truncatedTo(ChronoUnit.HOURS));
  }

  /** The partition of one month. */
  public static Partition month(YearMonth month) {
    return new Partition(Granularity.MONTH, month.atDay(1).atStartOfDay());
  }

  /** The one partition of an unpartitioned table. */
  public static Partition whole() {
    return WHOLE;
  }

  /** The partition of this granularity that {@code time} falls in. */
  public static Partition of(Granularity granularity, LocalDateTime time) {
    return switch (granularity) {
      case HOUR -> hour(time);
      case DAY -> day(time.toLocalDate());
      case MONTH -> month(YearMonth.from(time));
      case NONE -> WHOLE;
    };
  }

  /**
   * A partition from its written value ({@link #toString()}), which must be of this granularity.
   *
   * @throws IllegalArgumentException if the value is not one of the granularity
   */
  public static Partition parse(Granularity granularity, String value) {
    Partition p;
    try {
      p = parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + value + "' is not " + article(granularity) + " partition: write it as " + granularity.form(), e);
    }
    if (p.granularity != granularity) {
      throw new IllegalArgumentException("'" + value + "' is " + article(p.granularity) + " partition, not " + article(granularity)
          + " one: write it as " + granularity.form());
    }
    return p;
  }

  private static String article(Granularity g) {
    return switch (g) {
      case HOUR -> "an hour";
      case DAY -> "a day";
      case MONTH -> "a month";
      case NONE -> "an unpartitioned table's";
    };
  }

  /**
   * A partition from its written value, whose form says its granularity ({@code yyyy-MM-ddTHH}: an
   * hour, {@code yyyy-MM-dd}: a day, {@code yyyy-MM}: a month, {@value #ALL}: the whole table), as
   * the ledger, paths and plans store it and the command line takes it.
   *
   * @throws IllegalArgumentException if the value is not a partition's written form
   */
  public static Partition parse(String value) {
    String v = value.strip();
    try {
      if (v.equals(ALL)) {
        return WHOLE;
      }
      if (v.length() == 13 && v.charAt(10) == 'T') {
        return hour(LocalDateTime.parse(v, HOUR_FORM));
      }
      if (v.length() == 10) {
        return day(LocalDate.parse(v));
      }
      if (v.length() == 7) {
        return month(YearMonth.parse(v));
      }
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + value + "' is not a partition: " + e.getMessage()
          + "; write an hour as yyyy-MM-ddTHH, a day as yyyy-MM-dd, a month as yyyy-MM", e);
    }
    throw new IllegalArgumentException("'" + value + "' is not a partition: write an hour as yyyy-MM-ddTHH, a day as yyyy-MM-dd, a month"
        + " as yyyy-MM (or " + ALL + " for an unpartitioned table)");
  }

  public Granularity granularity() {
    return granularity;
  }

  /** Whether this is the one partition of an unpartitioned table. */
  public boolean isWhole() {
    return granularity == Granularity.NONE;
  }

  /**
   * The day the partition covers, or on which it starts.
   *
   * @throws IllegalStateException for the partition of an unpartitioned table, which has no day
   */
  public LocalDate date() {
    if (isWhole()) {
      throw new IllegalStateException("an unpartitioned table's partition has no day");
    }
    return start.toLocalDate();
  }

  /** When the partition starts (wall-clock time); {@link LocalDateTime#MIN} for the whole table. */
  public LocalDateTime start() {
    return start;
  }

  /** When the next partition starts (exclusive end); {@link LocalDateTime#MAX} for the whole table. */
  public LocalDateTime end() {
    return switch (granularity) {
      case HOUR -> start.plusHours(1);
      case DAY -> start.plusDays(1);
      case MONTH -> start.plusMonths(1);
      case NONE -> LocalDateTime.MAX;
    };
  }

  /** The next partition of the same granularity (the whole table's is itself). */
  public Partition next() {
    return isWhole() ? this : new Partition(granularity, end());
  }

  /** The partition of the same granularity before this one (the whole table's is itself). */
  public Partition previous() {
    return switch (granularity) {
      case HOUR -> new Partition(granularity, start.minusHours(1));
      case DAY -> new Partition(granularity, start.minusDays(1));
      case MONTH -> new Partition(granularity, start.minusMonths(1));
      case NONE -> this;
    };
  }

  /** Whether the two partitions share some time (a partition always overlaps the whole table's). */
  public boolean overlaps(Partition other) {
    return start.isBefore(other.end()) && other.start.isBefore(end());
  }

  /** Whether this partition's time lies inside {@code other}'s. */
  public boolean within(Partition other) {
    return !start.isBefore(other.start) && !end().isAfter(other.end());
  }

  /**
   * The partitions of {@code granularity} that share time with this one: the hours of a day, the
   * day an hour lies in, the days of a month; the whole table for {@link Granularity#NONE}. For
   * the whole table, of a finer granularity: none (it covers all time; the caller lists what exists).
   */
  public java.util.List<Partition> as(Granularity granularity) {
    if (granularity == Granularity.NONE) {
      return java.util.List.of(WHOLE);
    }
    if (isWhole()) {
      return java.util.List.of();
    }
    java.util.List<Partition> out = new java.util.ArrayList<>();
    for (Partition p = of(granularity, start); p.start.isBefore(end()); p = p.next()) {
      out.add(p);
    }
    return out;
  }

  /** Earlier start first; among partitions starting together, the finer first. */
  @Override
  public int compareTo(Partition other) {
    int byStart = start.compareTo(other.start);
    return byStart != 0 ? byStart : granularity.compareTo(other.granularity);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Partition p && p.granularity == granularity && p.start.equals(start);
  }

  @Override
  public int hashCode() {
    return Objects.hash(granularity, start);
  }

  /** The partition's value as it is written in paths, the ledger and on the command line. */
  @Override
  public String toString() {
    return switch (granularity) {
      case HOUR -> start.format(HOUR_FORM);
      case DAY -> start.toLocalDate().toString();
      case MONTH -> YearMonth.from(start).toString();
      case NONE -> ALL;
    };
  }

  /** The partition's first moment as the text Spark casts to a timestamp ({@code yyyy-MM-dd HH:mm:ss}). */
  public String startText() {
    if (isWhole()) {
      throw new IllegalStateException("an unpartitioned table's partition has no start");
    }
    return start.format(START_TEXT);
  }
}

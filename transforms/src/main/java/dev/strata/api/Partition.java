package dev.strata.api;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * One partition of a table: the unit Strata builds, gates, publishes, records and leases. A value
 * (equal when its granularity and value are), so that it can be a map key, a ledger key and part
 * of a path.
 *
 * <p>Today every table is partitioned by day; the granularity is part of the value so that hourly,
 * monthly and unpartitioned tables can be added without changing the signatures that carry one.
 */
public final class Partition implements Comparable<Partition> {
  /** How much time one partition covers. */
  public enum Granularity {
    /** One calendar day, written {@code yyyy-MM-dd}. */
    DAY
  }

  private final Granularity granularity;
  private final LocalDate start;

  private Partition(Granularity granularity, LocalDate start) {
    this.granularity = Objects.requireNonNull(granularity, "granularity");
    this.start = Objects.requireNonNull(start, "start");
  }

  /** The partition of one day. */
  public static Partition day(LocalDate date) {
    return new Partition(Granularity.DAY, date);
  }

  /**
   * A partition from its written value ({@link #toString()}).
   *
   * @throws IllegalArgumentException if the value is not one of the granularity
   */
  public static Partition parse(Granularity granularity, String value) {
    try {
      return switch (granularity) {
        case DAY -> day(LocalDate.parse(value));
      };
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a " + granularity.name().toLowerCase(java.util.Locale.ROOT) + " partition: write it as yyyy-MM-dd",
          e);
    }
  }

  /**
   * A partition from its written value, whose form says its granularity ({@code yyyy-MM-dd}: a
   * day), as the ledger, paths and plans store it.
   *
   * @throws IllegalArgumentException if the value is not a partition's written form
   */
  public static Partition parse(String value) {
    return parse(Granularity.DAY, value);
  }

  public Granularity granularity() {
    return granularity;
  }

  /** The day the partition covers, or on which it starts. */
  public LocalDate date() {
    return start;
  }

  /** The next partition of the same granularity. */
  public Partition next() {
    return switch (granularity) {
      case DAY -> day(start.plusDays(1));
    };
  }

  @Override
  public int compareTo(Partition other) {
    int byGranularity = granularity.compareTo(other.granularity);
    return byGranularity != 0 ? byGranularity : start.compareTo(other.start);
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
    return start.toString();
  }
}

package dev.strata.jobs.run;

import dev.strata.api.Partition;
import java.util.Comparator;
import java.util.Objects;

/**
 * One table partition: the unit a run builds, leases, records and skips, and a backfill plans.
 * Written {@code table@partition} where a unit is stored as text (a backfill's plan in the ledger).
 */
public record UnitId(String table, Partition partition) implements Comparable<UnitId> {
  private static final Comparator<UnitId> ORDER = Comparator.comparing(UnitId::partition).thenComparing(UnitId::table);

  public UnitId {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(partition, "partition");
  }

  public static UnitId of(String table, Partition partition) {
    return new UnitId(table, partition);
  }

  /**
   * A unit from its text ({@link #toString}).
   *
   * @throws IllegalArgumentException if the text is not {@code table@yyyy-MM-dd}
   */
  public static UnitId parse(String text) {
    int at = text.lastIndexOf('@');
    try {
      if (at <= 0) {
        throw new IllegalArgumentException("no '@'");
      }
      return new UnitId(text.substring(0, at), Partition.parse(text.substring(at + 1)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is not a table partition written table@yyyy-MM-dd", e);
    }
  }

  /** Partitions first, then tables. */
  @Override
  public int compareTo(UnitId other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return table + "@" + partition;
  }
}

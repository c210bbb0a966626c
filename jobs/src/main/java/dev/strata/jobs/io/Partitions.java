package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.strata.api.Partition;
import java.sql.Date;
import java.time.LocalDateTime;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The one place that turns a partition into a filter or a Delta predicate. A partition column is
 * typed — DATE for a day or a month (its first day), TIMESTAMP for an hour (its first moment, in the
 * session's time zone) — or STRING (the partition's written form, {@code 2024-03-01},
 * {@code 2024-03-01T07}, {@code 2024-03}). Values always come from a parsed {@link Partition}, never
 * from raw user text. An unpartitioned table's one partition ({@link Partition#whole()}) selects
 * every row.
 */
public final class Partitions {
  private Partitions() {}

  /** True if the partition column is typed (DATE or TIMESTAMP), false if STRING. */
  public static boolean isDate(DataType type) {
    return type.equals(DataTypes.DateType) || type.equals(DataTypes.TimestampType);
  }

  /** The type a typed partition column of this granularity has: TIMESTAMP for an hour, else DATE. */
  public static DataType type(Partition.Granularity granularity) {
    return granularity == Partition.Granularity.HOUR ? DataTypes.TimestampType : DataTypes.DateType;
  }

  /**
   * A partition column's values in their written form ({@link Partition#parse}), typed or not: a
   * DATE as {@code yyyy-MM-dd} (or {@code yyyy-MM} for months), a TIMESTAMP as {@code
   * yyyy-MM-ddTHH}, in the session's time zone as literals are.
   */
  public static Column writtenForm(DataType type, String column, Partition.Granularity granularity) {
    if (!isDate(type)) {
      return col(column).cast(DataTypes.StringType);
    }
    String pattern = switch (granularity) {
      case HOUR -> "yyyy-MM-dd'T'HH";
      case MONTH -> "yyyy-MM";
      default -> "yyyy-MM-dd";
    };
    return org.apache.spark.sql.functions.date_format(col(column), pattern);
  }

  /** A filter selecting one partition, for a column of the given schema. */
  public static Column equalTo(StructType schema, String column, Partition partition) {
    return partition.isWhole() ? lit(true) : equalTo(isDate(schema.apply(column).dataType()), column, partition);
  }

  public static Column equalTo(boolean dateTyped, String column, Partition partition) {
    return partition.isWhole() ? lit(true) : col(column).equalTo(literal(dateTyped, partition));
  }

  /** The partition's value as a typed (DATE, or TIMESTAMP for an hour) or written-form literal. */
  public static Column literal(boolean dateTyped, Partition partition) {
    if (!dateTyped) {
      return lit(partition.toString());
    }
    return partition.granularity() == Partition.Granularity.HOUR
        ? lit(partition.startText()).cast(DataTypes.TimestampType)
        : lit(Date.valueOf(partition.date()));
  }

  /**
   * The same selection as a Delta replaceWhere predicate.
   *
   * @throws IllegalArgumentException for an unpartitioned table's partition: its write replaces the table
   */
  public static String predicate(boolean dateTyped, String column, Partition partition) {
    if (partition.isWhole()) {
      throw new IllegalArgumentException("an unpartitioned table is replaced whole, not by a predicate");
    }
    String literal = !dateTyped ? "'" + partition + "'"
        : partition.granularity() == Partition.Granularity.HOUR ? "TIMESTAMP'" + partition.startText() + "'"
        : "DATE'" + partition.date() + "'";
    return "`" + column + "` = " + literal;
  }

  /**
   * A filter selecting the rows of a table partitioned by {@code granularity} whose partition
   * lies in {@code range}'s time (the hours of a day, the days of a month), or the one that holds
   * it (the day of an hour); every row for the whole table's partition.
   */
  public static Column overlapping(StructType schema, String column, Partition.Granularity granularity, Partition range) {
    if (range.isWhole() || granularity == Partition.Granularity.NONE) {
      return lit(true);
    }
    boolean typed = isDate(schema.apply(column).dataType());
    if (!granularity.finerThan(range.granularity())) {
      return equalTo(typed, column, Partition.of(granularity, range.start()));
    }
    return col(column).geq(moment(typed, granularity, range.start())).and(col(column).lt(moment(typed, granularity, range.end())));
  }

  /** A filter selecting the partitions from {@code first} to {@code last}, both included, all of one granularity. */
  public static Column between(StructType schema, String column, Partition first, Partition last) {
    boolean typed = isDate(schema.apply(column).dataType());
    return col(column).geq(literal(typed, first)).and(col(column).leq(literal(typed, last)));
  }

  /** A filter selecting every partition up to {@code last}, included. */
  public static Column upTo(StructType schema, String column, Partition last) {
    return col(column).leq(literal(isDate(schema.apply(column).dataType()), last));
  }

  /** A moment as a value of a partition column of this granularity: typed, or the written form of the partition it starts. */
  private static Column moment(boolean typed, Partition.Granularity granularity, LocalDateTime at) {
    return literal(typed, Partition.of(granularity, at));
  }
}

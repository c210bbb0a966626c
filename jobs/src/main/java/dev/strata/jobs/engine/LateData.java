package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.date_trunc;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.strata.api.Partition;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.Partitions;
import dev.strata.jobs.io.Quarantine;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Rows that land after the partition of their event time, for a table with {@code event_time}
 * (its {@link TableDefinition.EventTime}): a table partitioned by when its rows happened, over an
 * input partitioned by when they landed.
 *
 * <p>Every row of a landing partition {@code L} goes to exactly one place: the event partition
 * {@code E} its event time falls in, if {@code L - lookback <= E <= L}; otherwise it is
 * quarantined by one build: a row that landed beyond the lookback by the build of {@code L -
 * lookback} (the oldest partition whose window still reads {@code L}), a row without an event
 * time or with one after {@code L} by the build of {@code L}. So a landing partition's rows add
 * up, across the partitions it touches, to what landed.
 *
 * <p>A run that builds landing partitions rebuilds only the event partitions their rows touch
 * ({@link #touched}), each once, and everything downstream of those.
 */
final class LateData {
  private LateData() {}

  /** Each row's event time as a value of the table's typed partition column: a DATE for a day, the hour's first moment for an hour. */
  static Column eventPartition(TableDefinition table) {
    Column at = expr(table.eventTime().expression());
    return table.granularity() == Partition.Granularity.HOUR
        ? date_trunc("HOUR", at.cast(DataTypes.TimestampType))
        : at.cast(DataTypes.DateType);
  }

  /** The last landing partition whose rows may still belong to {@code eventPartition}. */
  static Partition lastLanding(TableDefinition table, Partition eventPartition) {
    Partition last = eventPartition;
    for (long i = table.eventTime().partitions(table.granularity()); i > 0; i--) {
      last = last.next();
    }
    return last;
  }

  /** The first event partition a landing partition's rows may belong to. */
  static Partition firstEvent(TableDefinition table, Partition landing) {
    Partition first = landing;
    for (long i = table.eventTime().partitions(table.granularity()); i > 0; i--) {
      first = first.previous();
    }
    return first;
  }

  /**
   * The event partitions the rows of one landing partition of the input touch: those their event
   * times fall in, within the lookback; the oldest one if some rows landed beyond it (its build
   * quarantines them); the landing partition itself if some have no event time or one after it.
   *
   * @param landed the input's rows of that landing partition
   */
  static List<Partition> touched(TableDefinition table, Dataset<Row> landed, Partition landing) {
    Column at = eventPartition(table);
    Partition first = firstEvent(table, landing);
    Column routed = when(at.isNull().or(at.gt(Partitions.literal(true, landing))), Partitions.literal(true, landing))
        .when(at.lt(Partitions.literal(true, first)), Partitions.literal(true, first))
        .otherwise(at);
    TreeSet<Partition> out = new TreeSet<>();
    for (Row r : landed.select(date_format(routed, pattern(table.granularity())).as("p")).distinct().collectAsList()) {
      out.add(Partition.parse(table.granularity(), r.getString(0)));
    }
    return new ArrayList<>(out);
  }

  /**
   * What a build of {@code eventPartition} reads of its input's window (the landing partitions
   * {@code E .. E + lookback}): the rows whose event time falls in it, for the transform, and the
   * rows this build quarantines, with their reason in {@link Quarantine#FAILED_RULES}.
   *
   * @param window the input's rows of those landing partitions
   * @param landingColumn the input's partition column
   * @param typedLanding whether that column is typed (else the partitions' written form)
   */
  record Routed(Dataset<Row> rows, Dataset<Row> rejected) {}

  static Routed route(TableDefinition table, Partition eventPartition, Dataset<Row> window, String landingColumn, boolean typedLanding) {
    Column at = eventPartition(table);
    Column e = Partitions.literal(true, eventPartition);
    Partition last = lastLanding(table, eventPartition);
    Column landedLast = col(landingColumn).equalTo(Partitions.literal(typedLanding, last));
    Column landedHere = col(landingColumn).equalTo(Partitions.literal(typedLanding, eventPartition));
    Column late = landedLast.and(at.lt(e));
    Column undated = landedHere.and(at.isNull().or(at.gt(e)));
    Column reason = when(at.isNull(), lit("no event time: " + table.eventTime().expression() + " is null"))
        .when(at.lt(e), lit(table.eventTime().lateReason()))
        .otherwise(lit("early: its event time is after the " + table.granularity().key() + " it landed in"));
    Dataset<Row> rows = window.where(coalesce(at.equalTo(e), lit(false)));
    Dataset<Row> rejected = window.where(coalesce(late, lit(false)).or(coalesce(undated, lit(false))))
        .withColumn(Quarantine.FAILED_RULES, array(reason));
    return new Routed(rows, rejected);
  }

  /**
   * The rows of one event partition counted by the partition of its input they landed in, in one
   * aggregation (a handful of rows reach the driver).
   *
   * @param input the table whose partitions are landing partitions (the event-time table's rows_from)
   */
  static java.util.SortedMap<Partition, Long> byLanding(Dataset<Row> rows, TableDefinition input) {
    Column landed = col(input.partitionColumn());
    boolean typed = Partitions.isDate(rows.schema().apply(input.partitionColumn()).dataType());
    Column written = typed ? date_format(landed, pattern(input.granularity())) : landed.cast(DataTypes.StringType);
    java.util.SortedMap<Partition, Long> out = new java.util.TreeMap<>();
    for (Row r : rows.groupBy(written.as("p")).count().collectAsList()) {
      out.put(Partition.parse(input.granularity(), r.getString(0)), r.getLong(1));
    }
    return out;
  }

  /** How a build says how many of its rows landed late, and when: {@code 12 rows landed late: 2024-03-02 (5), 2024-03-03 (7)}. */
  static String describe(Partition partition, java.util.SortedMap<Partition, Long> late) {
    long total = late.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder s = new StringBuilder(String.format(java.util.Locale.ROOT, "%,d row%s landed after %s: ", total, total == 1 ? "" : "s", partition));
    String sep = "";
    for (var e : late.entrySet()) {
      s.append(sep).append(e.getKey()).append(" (").append(String.format(java.util.Locale.ROOT, "%,d", e.getValue())).append(')');
      sep = ", ";
    }
    return s.toString();
  }

  private static String pattern(Partition.Granularity granularity) {
    return switch (granularity) {
      case HOUR -> "yyyy-MM-dd'T'HH";
      case MONTH -> "yyyy-MM";
      default -> "yyyy-MM-dd";
    };
  }
}

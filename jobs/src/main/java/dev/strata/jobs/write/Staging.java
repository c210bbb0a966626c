package dev.strata.jobs.write;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import dev.strata.jobs.Errors;
import dev.strata.jobs.io.Partitions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/** What every partition write checks and measures of its rows, observed in the pass that writes them. */
final class Staging {
  private Staging() {}

  /** The staged rows' count and the caller's aggregates over them. */
  record Measured(long count, Row aggregates) {}

  /**
   * Whether the partition column is typed (DATE, TIMESTAMP for an hour: true) or the partition's
   * written form (false); false for an unpartitioned table, which has none.
   *
   * @throws dev.strata.api.StrataException.JobFailedException if the rows lack the partition
   *     column or it has another type
   */
  static boolean dateTyped(WriteTarget target, Dataset<Row> rows) {
    if (target.partition().isWhole()) {
      return false;
    }
    String partitionColumn = target.partitionColumn();
    StructField field;
    try {
      field = rows.schema().apply(partitionColumn);
    } catch (IllegalArgumentException e) {
      throw Errors.badPartitionColumn(target.table(), partitionColumn, "is not among its columns " + Arrays.toString(rows.columns()));
    }
    DataType type = field.dataType();
    DataType typed = Partitions.type(target.partition().granularity());
    if (!type.equals(typed) && !type.equals(DataTypes.StringType)) {
      throw Errors.badPartitionColumn(target.table(), partitionColumn, "has type " + type.simpleString() + " (a "
          + target.partition().granularity().key() + " partition column is " + typed.simpleString() + ", or text written "
          + target.partition().granularity().form() + ")");
    }
    return !type.equals(DataTypes.StringType);
  }

  /**
   * The aggregates every write observes of the rows it writes, in the pass that writes them: how
   * many, how many belong to another partition; then the caller's.
   */
  static List<Column> observing(WriteTarget target, boolean dateTyped, List<Column> extra) {
    Column in = Partitions.equalTo(dateTyped, target.partitionColumn(), target.partition());
    Column outsideRow = in.isNull().or(not(in));
    List<String> names = names(extra.size());
    List<Column> all = new ArrayList<>(List.of(count(lit(1)).as(names.get(0)), count_if(outsideRow).as(names.get(1))));
    for (int i = 0; i < extra.size(); i++) {
      all.add(extra.get(i).as(names.get(i + 2)));
    }
    return all;
  }

  private static List<String> names(int extra) {
    List<String> names = new ArrayList<>(List.of("strata_rows", "strata_outside"));
    for (int i = 0; i < extra; i++) {
      names.add("strata_m" + i);
    }
    return names;
  }

  /** What an observation of a write that has run reports (it reports before the write returns, or moments after). */
  static java.util.Map<String, Object> await(org.apache.spark.sql.Observation observation) {
    try {
      return observation.getAsJava();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the metrics of a write", e);
    }
  }

  /** The values of {@link #observing} as an {@code Observation} reports them (by name), in order. */
  static Row row(java.util.Map<String, Object> values, int extra) {
    return RowFactory.create(names(extra).stream().map(values::get).toArray());
  }

  /**
   * The values {@link #observing} observed.
   *
   * @throws dev.strata.api.StrataException.JobFailedException if a row belongs to another partition
   */
  static Measured measured(Row observed, WriteTarget target, int extra) {
    long outside = observed.isNullAt(1) ? 0 : observed.getLong(1);
    if (outside > 0) {
      throw Errors.partitionMismatch(target.table(), target.partition(), target.partitionColumn(), outside);
    }
    Object[] values = new Object[extra];
    for (int i = 0; i < values.length; i++) {
      values[i] = observed.get(i + 2);
    }
    return new Measured(observed.getLong(0), RowFactory.create(values));
  }
}

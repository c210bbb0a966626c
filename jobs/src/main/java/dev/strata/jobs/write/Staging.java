package dev.strata.jobs.write;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

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

/** What every partition write checks and measures of its rows, in the one pass that counts them. */
final class Staging {
  private Staging() {}

  /** The staged rows' count and the caller's aggregates over them. */
  record Measured(long count, Row aggregates) {}

  /**
   * Whether the partition column is DATE (true) or ISO text (false).
   *
   * @throws dev.strata.api.StrataException.JobFailedException if the rows lack the partition
   *     column or it is neither DATE nor STRING
   */
  static boolean dateTyped(String table, Dataset<Row> rows, String partitionColumn) {
    StructField field;
    try {
      field = rows.schema().apply(partitionColumn);
    } catch (IllegalArgumentException e) {
      throw Errors.badPartitionColumn(table, partitionColumn, "is not among its columns " + Arrays.toString(rows.columns()));
    }
    DataType type = field.dataType();
    if (!Partitions.isDate(type) && !type.equals(DataTypes.StringType)) {
      throw Errors.badPartitionColumn(table, partitionColumn, "has type " + type.simpleString());
    }
    return Partitions.isDate(type);
  }

  /**
   * One pass for every number: how many rows, how many belong to another partition, and the
   * caller's aggregates.
   *
   * @throws dev.strata.api.StrataException.JobFailedException if a row belongs to another partition
   */
  static Measured measure(Dataset<Row> rows, WriteTarget target, boolean dateTyped, List<Column> extra) {
    Column in = Partitions.equalTo(dateTyped, target.partitionColumn(), target.partition());
    Column outsideRow = in.isNull().or(not(in));
    List<Column> all = new ArrayList<>(List.of(count(lit(1)), sum(when(outsideRow, 1).otherwise(0))));
    all.addAll(extra);
    Row counts = rows.select(all.toArray(Column[]::new)).head();
    long outside = counts.isNullAt(1) ? 0 : counts.getLong(1);
    if (outside > 0) {
      throw Errors.partitionMismatch(target.table(), target.partition(), target.partitionColumn(), outside);
    }
    Object[] values = new Object[extra.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = counts.get(i + 2);
    }
    return new Measured(counts.getLong(0), RowFactory.create(values));
  }
}

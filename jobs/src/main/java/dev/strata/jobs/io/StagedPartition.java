package dev.strata.jobs.io;


import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.strata.jobs.Errors;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * One partition of a table, written but not yet published: write-audit-publish.
 *
 * <p>{@link #stage} writes the new rows to a staging location, so that the gate checks exactly the
 * rows that will be published (a transform is computed once, not once for the check and again for
 * the write). {@link #commit} then replaces the table's partition with them in one Delta commit:
 * readers see either all the old rows or all the new ones, and other partitions are untouched.
 */
public final class StagedPartition {
  private final SparkSession spark;
  private final String table;
  private final String partitionColumn;
  private final LocalDate partition;
  private final String stagingPath;
  private final Dataset<Row> rows;
  private final boolean dateTyped;
  private long count = -1;
  private Row aggregates;

  private StagedPartition(
      SparkSession spark, String table, String partitionColumn, LocalDate partition, String stagingPath, boolean dateTyped,
      Dataset<Row> rows) {
    this.spark = spark;
    this.table = table;
    this.partitionColumn = partitionColumn;
    this.partition = partition;
    this.stagingPath = stagingPath;
    this.dateTyped = dateTyped;
    this.rows = rows;
  }

  /** The same partition, publishing a subset of the staged rows (e.g. those no row-level rule rejected). */
  public StagedPartition withRows(Dataset<Row> subset) {
    return new StagedPartition(spark, table, partitionColumn, partition, stagingPath, dateTyped, subset);
  }

  /** How many rows were staged; -1 for a subset made with {@link #withRows}. */
  public long rowCount() {
    return count;
  }

  /** True if the partition column is DATE, false if it is ISO text. */
  public boolean dateTyped() {
    return dateTyped;
  }

  /**
   * Writes a table's new rows for one partition to staging.
   *
   * @throws dev.strata.jobs.StrataException.JobFailedException if the rows lack the partition
   *     column, it is neither DATE nor STRING, or a row belongs to another partition
   */
  public static StagedPartition stage(
      SparkSession spark, String table, Dataset<Row> rows, String partitionColumn, LocalDate partition, String stagingPath) {
    return stage(spark, table, rows, partitionColumn, partition, stagingPath, List.of());
  }

  /**
   * Stages like {@link #stage(SparkSession, String, Dataset, String, LocalDate, String)}, and
   * computes {@code aggregates} over the staged rows in the same pass that counts them (see {@link
   * #aggregates()}): whatever a build needs to know of its rows costs no scan of its own.
   */
  public static StagedPartition stage(
      SparkSession spark, String table, Dataset<Row> rows, String partitionColumn, LocalDate partition, String stagingPath,
      List<Column> aggregates) {
    StructField field;
    try {
      field = rows.schema().apply(partitionColumn);
    } catch (IllegalArgumentException e) {
      throw Errors.badPartitionColumn(table, partitionColumn, "is not among its columns " + java.util.Arrays.toString(rows.columns()));
    }
    DataType type = field.dataType();
    if (!Partitions.isDate(type) && !type.equals(DataTypes.StringType)) {
      throw Errors.badPartitionColumn(table, partitionColumn, "has type " + type.simpleString());
    }
    rows.write().mode("overwrite").parquet(stagingPath);
    StagedPartition staged =
        new StagedPartition(
            spark, table, partitionColumn, partition, stagingPath, Partitions.isDate(type), spark.read().parquet(stagingPath));
    // One pass for every number: how many rows, how many belong to another partition, and the caller's.
    Column outsideRow = staged.inPartition().isNull().or(not(staged.inPartition()));
    List<Column> all = new ArrayList<>(List.of(count(lit(1)), sum(when(outsideRow, 1).otherwise(0))));
    all.addAll(aggregates);
    Row counts = staged.rows.select(all.toArray(Column[]::new)).head();
    long outside = counts.isNullAt(1) ? 0 : counts.getLong(1);
    if (outside > 0) {
      throw Errors.partitionMismatch(table, partition, partitionColumn, outside);
    }
    staged.count = counts.getLong(0);
    Object[] values = new Object[aggregates.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = counts.get(i + 2);
    }
    staged.aggregates = RowFactory.create(values);
    return staged;
  }

  /** The values of the aggregates {@link #stage} was given, in their order; an empty row for a subset. */
  public Row aggregates() {
    return aggregates == null ? RowFactory.create() : aggregates;
  }

  /** The staged rows: what the gate checks and what {@link #commit} publishes. */
  public Dataset<Row> rows() {
    return rows;
  }

  /** The predicate selecting this partition, built from the parsed date, never from raw text. */
  public String predicate() {
    return Partitions.predicate(dateTyped, partitionColumn, partition);
  }

  private Column inPartition() {
    return Partitions.equalTo(dateTyped, partitionColumn, partition);
  }

  /**
   * Replaces the partition of the Delta table at {@code tablePath} with the staged rows, in one
   * atomic commit; creates the table, partitioned by the partition column, on first publish.
   *
   * @param mergeSchema add the staged rows' new columns to the table's schema (a bronze table
   *     ingesting a source whose files gained a column); otherwise a schema change fails the commit
   * @return the commit that holds the new rows
   */
  public DeltaTables.Commit commit(String tablePath, boolean mergeSchema) {
    return DeltaTables.write(spark, tablePath, () -> {
      rows.write()
          .format("delta")
          .mode("overwrite")
          .option("mergeSchema", String.valueOf(mergeSchema))
          .option("replaceWhere", predicate())
          .partitionBy(partitionColumn)
          .save(tablePath);
      return DeltaTables.committed(spark, tablePath);
    });
  }
}

package dev.strata.jobs.write;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Chooses how a partition is written. */
public final class PartitionWrites {
  private PartitionWrites() {}

  /**
   * Whether the rows' partition column is typed (DATE, or TIMESTAMP for an hour: true) or the
   * partition's written form (false), as every write checks it before writing; false for an
   * unpartitioned table.
   *
   * @throws dev.strata.api.StrataException.JobFailedException if the rows lack the partition
   *     column or it has another type
   */
  public static boolean dateTyped(WriteTarget target, Dataset<Row> rows) {
    return Staging.dateTyped(target, rows);
  }

  /**
   * A partition replacing the table's: written into the table's folder when it can be ({@link
   * InPlaceWrite}: nothing to copy when it is published), else staged as Parquet at {@code
   * stagingPath} ({@link StagedWrite}: the table's first partition, or a schema that changed).
   */
  public static PartitionWrite replace(
      SparkSession spark, WriteTarget target, Dataset<Row> rows, String stagingPath, List<Column> aggregates) {
    return InPlaceWrite.stage(spark, target, rows, aggregates).<PartitionWrite>map(w -> w)
        .orElseGet(() -> StagedWrite.stage(spark, target, rows, stagingPath, aggregates));
  }
}

package dev.strata.jobs.io;

import io.delta.tables.DeltaTable;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Reading published Delta tables: one place for "the rows of a partition, if the table exists". */
public final class DeltaTables {
  private DeltaTables() {}

  /**
   * The rows of a Delta table, restricted to one partition unless {@code partition} is null; empty if
   * there is no Delta table at the path.
   */
  public static Optional<Dataset<Row>> read(SparkSession spark, String path, String partitionColumn, LocalDate partition) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return Optional.empty();
    }
    Dataset<Row> rows = spark.read().format("delta").load(path);
    return Optional.of(partition == null ? rows : rows.where(Partitions.equalTo(rows.schema(), partitionColumn, partition)));
  }

  /** The table's latest Delta version. */
  public static long version(SparkSession spark, String path) {
    return DeltaTable.forPath(spark, path).history(1).select("version").head().getLong(0);
  }
}

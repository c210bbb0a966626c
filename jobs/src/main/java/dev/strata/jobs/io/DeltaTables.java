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

  /**
   * A table's rows for a partition as readers see them: the partition of a partitioned table, or a
   * history table as of that day (each key's version valid then, with the partition column set to
   * the day). Empty if the table does not exist.
   */
  public static Optional<Dataset<Row>> partition(SparkSession spark, Warehouse warehouse, dev.strata.jobs.definition.TableDefinition table, LocalDate day) {
    String path = warehouse.tablePath(table.layer(), table.name());
    if (!table.isHistory()) {
      return read(spark, path, table.partitionColumn(), day);
    }
    return read(spark, path, null, null)
        .map(h -> HistoryTable.asOf(h, day).withColumn(table.partitionColumn(), org.apache.spark.sql.functions.lit(java.sql.Date.valueOf(day))));
  }

  private static final java.util.concurrent.ConcurrentHashMap<String, Object> CREATING = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Runs a write that may create the table at {@code path}. Two first commits racing would both
   * try to write version 0 and one would fail with a concurrent-protocol conflict; within this
   * JVM the first creates the table and the others wait for it, then commit on top. (Across
   * processes the conflict can still happen, and is retried as transient.)
   */
  public static <T> T write(SparkSession spark, String path, java.util.function.Supplier<T> write) {
    if (DeltaTable.isDeltaTable(spark, path)) {
      return write.get();
    }
    synchronized (CREATING.computeIfAbsent(path, p -> new Object())) {
      return write.get();
    }
  }

  /**
   * The data files and bytes the commit at {@code version} added, from its operation metrics
   * (a partition overwrite's {@code numFiles}/{@code numOutputBytes}, a MERGE's {@code
   * numTargetFilesAdded}/{@code numTargetBytesAdded}); {-1, -1} if the log no longer has it.
   */
  public static long[] written(SparkSession spark, String path, long version) {
    java.util.List<Row> rows =
        DeltaTable.forPath(spark, path).history(20).where(org.apache.spark.sql.functions.col("version").equalTo(version))
            .select("operationMetrics").collectAsList();
    if (rows.isEmpty() || rows.get(0).isNullAt(0)) {
      return new long[] {-1, -1};
    }
    java.util.Map<String, String> m = rows.get(0).getJavaMap(0);
    return new long[] {metric(m, "numFiles", "numTargetFilesAdded"), metric(m, "numOutputBytes", "numTargetBytesAdded")};
  }

  private static long metric(java.util.Map<String, String> metrics, String... names) {
    for (String n : names) {
      if (metrics.containsKey(n)) {
        return Long.parseLong(metrics.get(n));
      }
    }
    return -1;
  }

  /** The table's latest Delta version. */
  public static long version(SparkSession spark, String path) {
    return DeltaTable.forPath(spark, path).history(1).select("version").head().getLong(0);
  }
}

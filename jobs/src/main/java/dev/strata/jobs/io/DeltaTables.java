package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.Column;
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
   * The Delta setting whose value every commit of a session records as its {@code userMetadata}
   * (shown by {@code DESCRIBE HISTORY}): a build sets it to name its run, table and partition, so
   * that its commits can be found again and read back by whoever audits the table.
   */
  public static final String COMMIT_USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata";

  /**
   * A commit: its version and the data files and bytes it added (a partition overwrite's {@code
   * numFiles}/{@code numOutputBytes}, a MERGE's {@code numTargetFilesAdded}/{@code
   * numTargetBytesAdded}; -1 if the log does not say).
   */
  public record Commit(long version, long files, long bytes) {}

  /**
   * The commit this session just made to the table at {@code path}: the latest one, or, if another
   * writer committed since, the latest one with this session's {@link #COMMIT_USER_METADATA}. One
   * read of the log's newest entry in the usual case.
   */
  public static Commit committed(SparkSession spark, String path) {
    String marker = spark.conf().get(COMMIT_USER_METADATA, "");
    DeltaTable table = DeltaTable.forPath(spark, path);
    Column[] wanted = {col("version"), col("operationMetrics"), col("userMetadata")};
    java.util.List<Row> latest = table.history(1).select(wanted).collectAsList();
    Row found = latest.get(0);
    if (!marker.isEmpty() && !marker.equals(found.getString(2))) {
      java.util.List<Row> mine =
          table.history(50).select(wanted).where(col("userMetadata").equalTo(marker)).orderBy(col("version").desc()).limit(1).collectAsList();
      found = mine.isEmpty() ? found : mine.get(0);
    }
    java.util.Map<String, String> m = found.isNullAt(1) ? java.util.Map.of() : found.getJavaMap(1);
    return new Commit(found.getLong(0), metric(m, "numFiles", "numTargetFilesAdded"), metric(m, "numOutputBytes", "numTargetBytesAdded"));
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

package dev.strata.jobs.write;

import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.HistoryTable;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The new tail of an SCD2 history (the versions one snapshot opens, closes or keeps), staged as
 * Parquet; committing applies it to the history with one Delta MERGE (or, for a history started
 * again, one overwrite). The staging folder is the build's and keeps the tail for inspection.
 */
public final class HistoryMerge extends PartitionWrite {
  private final SparkSession spark;
  private final List<String> key;
  private final boolean reset;

  /** @param tail the staged tail: the rows this write publishes */
  private HistoryMerge(SparkSession spark, WriteTarget target, Dataset<Row> tail, List<String> key, boolean reset) {
    super(target, tail, -1, RowFactory.create());
    this.spark = spark;
    this.key = key;
    this.reset = reset;
  }

  /**
   * Stages a history's new tail at {@code stagingPath}.
   *
   * @param key the business key
   * @param reset start the history again from this tail (a forced full refresh) instead of merging
   */
  public static HistoryMerge stage(
      SparkSession spark, WriteTarget target, Dataset<Row> tail, List<String> key, boolean reset, String stagingPath) {
    tail.write().mode("overwrite").parquet(stagingPath);
    return new HistoryMerge(spark, target, spark.read().parquet(stagingPath), key, reset);
  }

  @Override
  DeltaTables.Commit publish() {
    return HistoryTable.publish(spark, target.path(), rows(), key, target.partition().date(), reset);
  }

  /** The staged tail stays in the build's staging folder, where it can be inspected: nothing to delete. */
  @Override
  void discard(String keepAt) {}
}

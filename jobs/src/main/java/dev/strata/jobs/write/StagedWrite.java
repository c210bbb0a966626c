package dev.strata.jobs.write;

import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Partitions;
import java.util.List;
import java.util.UUID;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * A partition written to a staging folder as Parquet; publishing copies it into the table with a
 * {@code replaceWhere} overwrite of the partition. The write for a table's first partition, a
 * schema change (a bronze table whose source gained a column), and rows that still carry their
 * row-level rule results (the quarantine split publishes a subset of them: {@link #publishing}).
 * The staging folder is the build's: nothing here deletes it.
 */
public final class StagedWrite extends PartitionWrite {
  private final SparkSession spark;

  private StagedWrite(SparkSession spark, WriteTarget target, Dataset<Row> rows, long count, Row aggregates) {
    super(target, rows, count, aggregates);
    this.spark = spark;
  }

  /**
   * Writes a table's new rows for one partition to {@code stagingPath}, and computes {@code
   * aggregates} over them in the pass that counts them: whatever a build needs to know of its rows
   * costs no scan of its own.
   *
   * @throws dev.strata.api.StrataException.JobFailedException if the rows lack the partition
   *     column, it is neither DATE nor STRING, or a row belongs to another partition
   */
  public static StagedWrite stage(SparkSession spark, WriteTarget target, Dataset<Row> rows, String stagingPath, List<Column> aggregates) {
    boolean dateTyped = Staging.dateTyped(target, rows);
    // Measured as they are written: the observation reports once the write has run.
    Observation observation = new Observation("strata-staged-" + UUID.randomUUID());
    List<Column> observing = Staging.observing(target, dateTyped, aggregates);
    rows.observe(observation, observing.get(0), observing.subList(1, observing.size()).toArray(Column[]::new))
        .write().mode("overwrite").parquet(stagingPath);
    Dataset<Row> staged = spark.read().parquet(stagingPath);
    Staging.Measured m = Staging.measured(Staging.row(Staging.await(observation), aggregates.size()), target, aggregates.size());
    return new StagedWrite(spark, target, staged, m.count(), m.aggregates());
  }

  /**
   * The same partition, publishing a subset of the staged rows (those no row-level rule
   * rejected); its row count is unknown (-1) and it has no aggregates.
   */
  public StagedWrite publishing(Dataset<Row> subset) {
    return new StagedWrite(spark, target, subset, -1, RowFactory.create());
  }

  /**
   * Replaces the partition of the table with the staged rows in one atomic commit; creates the
   * table, partitioned by the partition column, on first publish. With {@link
   * WriteTarget#mergeSchema} the table gains the rows' new columns; otherwise a schema change fails
   * the commit.
   */
  @Override
  DeltaTables.Commit publish() {
    return DeltaTables.write(spark, target.path(), () -> {
      // Delta sets "delta.*" options as table properties only when the write creates the table.
      var writer = rows().write()
          .format("delta")
          .options(target.createWith())
          .mode("overwrite")
          .option("mergeSchema", String.valueOf(target.mergeSchema()));
      if (target.partition().isWhole()) {
        // An unpartitioned table: the overwrite replaces every file in the one commit.
        writer.save(target.path());
      } else {
        writer.option("replaceWhere", Partitions.predicate(dateTyped(), target.partitionColumn(), target.partition()))
            .partitionBy(target.partitionColumn())
            .save(target.path());
      }
      return DeltaTables.committed(spark, target.path());
    });
  }

  /** Staged Parquet is already where it can be inspected, in the build's staging folder: nothing to delete. */
  @Override
  void discard(String keepAt) {}
}

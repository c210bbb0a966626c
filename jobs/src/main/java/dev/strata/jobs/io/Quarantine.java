package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.lit;

import dev.strata.api.Partition;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * A table's quarantine, {@code <warehouse>/_quarantine/<table>/}: a Delta table, partitioned like the
 * table, holding the rows a build rejected, each with every original column and
 * <ul>
 *   <li>{@value #FAILED_RULES}: the rules it failed (or {@code malformed: ...} for input that could not be read),
 *   <li>{@value #RUN_ID} and {@value #QUARANTINED_AT}: which run rejected it, and when,
 *   <li>{@value #SOURCE_FILE}: the landing file it came from, where known,
 *   <li>{@value #RAW_LINE}: the line as it arrived, for malformed input.
 * </ul>
 * A build replaces its partition of the quarantine like it replaces its partition of the table, so
 * a re-run never piles up duplicates.
 */
public final class Quarantine {
  public static final String FAILED_RULES = "_strata_failed_rules";
  public static final String RUN_ID = "_strata_run_id";
  public static final String QUARANTINED_AT = "_strata_quarantined_at";
  public static final String SOURCE_FILE = SourceReader.SOURCE_FILE;
  public static final String RAW_LINE = "_strata_raw_line";

  private Quarantine() {}


  /**
   * Replaces one partition of a table's quarantine with {@code rows} in one Delta commit (clearing
   * it if there are none). New columns are merged into the quarantine's schema: it keeps whatever
   * the table or its input looked like when a row was rejected.
   *
   * @param rows rejected rows, with {@link #FAILED_RULES}
   * @param count how many rows that is (already known to the caller)
   */
  public static void replace(
      SparkSession spark,
      String path,
      String partitionColumn,
      boolean dateTyped,
      Partition partition,
      Dataset<Row> rows,
      long count,
      String runId,
      Instant at) {
    boolean exists = DeltaTables.exists(spark, path);
    if (!exists && count == 0) {
      return;
    }
    Dataset<Row> out = rows.withColumn(RUN_ID, lit(runId)).withColumn(QUARANTINED_AT, lit(Timestamp.from(at)));
    for (String meta : new String[] {SOURCE_FILE, RAW_LINE}) {
      if (!Arrays.asList(out.columns()).contains(meta)) {
        out = out.withColumn(meta, lit(null).cast(DataTypes.StringType));
      }
    }
    Dataset<Row> rejected = out;
    DeltaTables.write(spark, path, () -> {
      var writer = rejected.write().format("delta").mode("overwrite").option("mergeSchema", "true");
      if (partition.isWhole()) {
        // An unpartitioned table's quarantine holds what its latest build rejected, replaced whole.
        writer.save(path);
      } else {
        writer.option("replaceWhere", Partitions.predicate(dateTyped, partitionColumn, partition)).partitionBy(partitionColumn).save(path);
      }
      return null;
    });
  }
}

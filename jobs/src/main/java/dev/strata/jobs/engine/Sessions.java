package dev.strata.jobs.engine;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the SparkSession of an entry point. Under spark-submit the cluster's configuration wins;
 * run with plain {@code java} (scripts/strata), the session is local with every core.
 */
public final class Sessions {
  static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
  static final String DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

  private Sessions() {}

  public static SparkSession create(String appName) {
    return create(appName, java.util.Map.of());
  }

  /**
   * A session with these settings too (the object store's, from the environment), each unless the
   * Spark configuration already has it: {@code spark-submit --conf} wins.
   */
  public static SparkSession create(String appName, java.util.Map<String, String> settings) {
    SparkConf conf = new SparkConf(true);
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    settings.forEach((k, v) -> builder.config(k, conf.get(k, v)));
    if (!conf.contains("spark.master")) {
      int cores = Runtime.getRuntime().availableProcessors();
      builder
          .master("local[*]")
          .config("spark.driver.host", conf.get("spark.driver.host", "127.0.0.1"))
          .config("spark.driver.bindAddress", conf.get("spark.driver.bindAddress", "127.0.0.1"))
          .config("spark.sql.shuffle.partitions", conf.get("spark.sql.shuffle.partitions", String.valueOf(Math.max(4, cores * 2))))
          .config("spark.ui.showConsoleProgress", conf.get("spark.ui.showConsoleProgress", "false"))
          // Delta reads its log with 50 tasks by default: pure overhead on one machine.
          .config("spark.databricks.delta.snapshotPartitions", conf.get("spark.databricks.delta.snapshotPartitions", String.valueOf(Math.max(2, cores))));
    }
    // Independent tables build concurrently, each in its own scheduler pool: FAIR shares the
    // executors between them instead of running one build's jobs to the end first.
    builder.config("spark.scheduler.mode", conf.get("spark.scheduler.mode", "FAIR"));
    // Delta needs both the extension and the catalog; with only one, replaceWhere and MERGE fail
    // in confusing ways. Keep any extensions the user configured.
    String extensions = conf.get("spark.sql.extensions", "");
    if (!extensions.contains(DELTA_EXTENSION)) {
      extensions = extensions.isBlank() ? DELTA_EXTENSION : extensions + "," + DELTA_EXTENSION;
    }
    builder.config("spark.sql.extensions", extensions);
    builder.config("spark.sql.catalog.spark_catalog", conf.get("spark.sql.catalog.spark_catalog", DELTA_CATALOG));
    SparkSession session = builder.getOrCreate();
    // A session that already existed (a notebook's, a test's) ignores the builder's spark.hadoop.*
    // settings: give them to its Hadoop configuration, which its file systems read.
    settings.forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.") && !conf.contains(k)) {
        session.sparkContext().hadoopConfiguration().set(k.substring("spark.hadoop.".length()), v);
      }
    });
    return session;
  }
}

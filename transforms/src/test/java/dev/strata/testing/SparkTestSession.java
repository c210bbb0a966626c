package dev.strata.testing;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The one SparkSession of a test JVM (local[2], UI off, UTC, two shuffle partitions), and helpers
 * to build rows and compare tables. Delta is enabled when it is on the classpath.
 */
public final class SparkTestSession {
  private static SparkSession session;

  private SparkTestSession() {}

  /** The shared session, created on first use. */
  public static synchronized SparkSession get() {
    if (session == null) {
      TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
      Locale.setDefault(Locale.US);
      SparkSession.Builder builder =
          SparkSession.builder()
              .master("local[2]")
              .appName("strata-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.ui.showConsoleProgress", "false")
              .config("spark.scheduler.mode", "FAIR")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.default.parallelism", "2")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.databricks.delta.snapshotPartitions", "2")
              .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")
              // The status store keeps every query's plan for the (disabled) UI: a test JVM runs thousands.
              .config("spark.sql.ui.retainedExecutions", "100")
              .config("spark.ui.retainedJobs", "200")
              .config("spark.ui.retainedStages", "200");
      if (onClasspath("io.delta.sql.DeltaSparkSessionExtension")) {
        builder
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config(
                "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
      }
      session = builder.getOrCreate();
      session.sparkContext().setLogLevel("WARN");
    }
    return session;
  }

  private static boolean onClasspath(String className) {
    try {
      Class.forName(className, false, SparkTestSession.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** A row of values, for {@link #rows}. */
  public static Row row(Object... values) {
    return RowFactory.create(values);
  }

  /**
   * A dataset of string columns, e.g. {@code strings("id,name", row("1", "a"))}. Raw data arrives as
   * text, so most transform tests start here.
   */
  public static Dataset<Row> strings(String columns, Row... rows) {
    StructType schema = new StructType();
    for (String name : columns.split(",")) {
      schema = schema.add(name.strip(), DataTypes.StringType, true);
    }
    return get().createDataFrame(Arrays.asList(rows), schema);
  }

  /** A dataset with a DDL schema, e.g. {@code rows("id INT, name STRING", row(1, "a"))}. */
  public static Dataset<Row> rows(String ddl, Row... rows) {
    return get().createDataFrame(Arrays.asList(rows), StructType.fromDDL(ddl));
  }

  /** The rows of a dataset, sorted by their text, for order-insensitive comparison. */
  public static List<String> sortedRows(Dataset<Row> data) {
    return data.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  /** A field of a schema, by name. */
  public static StructField field(Dataset<Row> data, String name) {
    return data.schema().apply(name);
  }
}

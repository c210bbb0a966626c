package dev.strata.api;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Where a table's published partition goes besides its Delta table: a file export, a database, a
 * queue. A table names its sinks with options:
 *
 * <pre>{@code
 * sinks:
 *   - {sink: csv_export, options: {path: /exports/balances}}
 * }</pre>
 *
 * A sink receives a partition only after its gate passed and its Delta commit landed, with the
 * rows exactly as published. Runs are retried and partitions rebuilt, so a delivery must replace
 * the partition's previous one, never add to it. A delivery that fails leaves the table published
 * and is reported as a warning of the build, naming the sink; running the partition again delivers
 * it again. Found through {@link java.util.ServiceLoader} ({@code
 * META-INF/services/dev.strata.api.Sink}); each needs a public no-argument constructor.
 */
public interface Sink {
  /** The name a table's {@code sinks:} gives it, e.g. {@code csv_export}; unique among the sinks on the classpath. */
  String name();

  /**
   * Checks the options when the definition is validated.
   *
   * @throws IllegalArgumentException saying which option is wrong and how to fix it
   */
  default void validate(Options options) {}

  /** Delivers one published partition, replacing whatever an earlier delivery of it left. */
  void deliver(Delivery delivery, Options options);

  /**
   * One published partition to deliver.
   *
   * @param table the table
   * @param partition the partition
   * @param rows its rows as published (the Delta table's partition at {@code version})
   * @param version the Delta version that published them
   * @param runId the run that published them
   */
  record Delivery(String table, Partition partition, Dataset<Row> rows, long version, String runId) {}
}

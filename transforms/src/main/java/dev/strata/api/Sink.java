package dev.strata.api;

import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Where a table's published partition goes besides its Delta table: files, a database, a queue. A
 * table names its outputs, each a sink with options:
 *
 * <pre>{@code
 * outputs:
 *   - {name: summary_csv, sink: files, options: {format: csv, path: "exports/summary/{date}"}}
 *   - {name: summary_db, sink: postgres, options: {table: account_summary}}
 * }</pre>
 *
 * <p>A sink receives a partition only after its gate passed and its Delta commit landed, with the
 * rows exactly as that commit published them. Runs are retried and partitions rebuilt, so a
 * delivery must replace the partition's previous one, never add to it, and leave the previous
 * one whole if it fails. Each delivery is a unit of its own in the ledger: a failure the engine
 * judges transient (an I/O error, a lost connection) is retried; one that is not fails the
 * delivery, leaves the table published, and makes the run exit 4; {@code strata run --resume RUN}
 * delivers it again. Found through {@link java.util.ServiceLoader} ({@code
 * META-INF/services/dev.strata.api.Sink}); each needs a public no-argument constructor. Built in:
 * {@code files} and {@code postgres}.
 */
public interface Sink {
  /** The name an output's {@code sink:} gives it, e.g. {@code files}; unique among the sinks on the classpath. */
  String name();

  /**
   * Checks the options when the definition is validated.
   *
   * @throws IllegalArgumentException saying which option is wrong and how to fix it
   */
  default void validate(Options options) {}

  /**
   * Whether this sink can only add, never replace (a topic, a queue). Such a sink receives, of each
   * published partition, only the rows no earlier delivery of that partition sent (the rows of the
   * version it last received are subtracted), and never the same version twice: a re-run or a
   * rebuild that changes nothing sends nothing, a rebuild that adds rows sends those. Its delivery
   * must be all or nothing (a transaction), so that a failed one can be retried. The default:
   * false, the sink replaces the partition's previous delivery.
   */
  default boolean appends() {
    return false;
  }

  /**
   * Delivers one published partition, replacing whatever an earlier delivery of it left.
   *
   * @return what was delivered, and where (for the ledger, the run's output and status)
   */
  Receipt deliver(Delivery delivery, Options options);

  /**
   * One published partition to deliver.
   *
   * @param table the table
   * @param partition the partition ({@link Partition#whole()} for an unpartitioned table)
   * @param partitionColumn the table's partition column, or null for an unpartitioned table
   * @param rows its rows as published (the Delta table's partition at {@code version})
   * @param version the Delta version that published them
   * @param runId the run that delivers them
   * @param warehouse the warehouse's root URI, against which relative paths in the options resolve
   * @param environment where secrets and connection settings come from: the process's environment
   *     and the run's {@code --env-file}; a sink reads what its options name, and never prints,
   *     logs or returns a secret
   * @param definitionFolder the pipeline definition's folder, against which relative paths in the
   *     options (a password file) resolve
   */
  record Delivery(
      String table, Partition partition, String partitionColumn, Dataset<Row> rows, long version, String runId, String warehouse,
      Map<String, String> environment, String definitionFolder) {
    public Delivery {
      environment = Map.copyOf(environment);
    }

    /** A setting of the environment, if set and not blank. */
    public Optional<String> env(String name) {
      return Optional.ofNullable(environment.get(name)).filter(v -> !v.isBlank());
    }
  }

  /**
   * What one delivery sent.
   *
   * @param rows the rows delivered
   * @param target where they went, in words and without secrets ({@code file:/exports/x/2024-01-01},
   *     {@code postgres 127.0.0.1:5432/strata public.account_summary})
   */
  record Receipt(long rows, String target) {}
}

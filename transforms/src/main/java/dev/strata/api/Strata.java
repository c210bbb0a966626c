package dev.strata.api;

import java.util.ServiceLoader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Strata from a notebook or any JVM program: the same engine as {@code strata run} and {@code
 * strata backfill}, on the caller's own SparkSession. Every call goes through the ledger, the
 * gates and the partition leases exactly as the command line does.
 *
 * <pre>{@code
 * Strata strata = Strata.on(spark, "conf/pipelines/banking", "s3a://bucket/warehouse");
 * RunOutcome day = strata.run("2024-01-01");               // one partition, every table
 * day.status();                                            // PUBLISHED, or the worst outcome
 * day.toDataset(spark).show();                             // one row per table partition
 * strata.backfill("2024-01-01", "2024-01-31", "stg_account+").toDataset(spark).show(100, false);
 * strata.status().show();
 * }</pre>
 *
 * The engine is found with {@link ServiceLoader} ({@link Provider}); Strata's job jar provides it.
 */
public interface Strata {

  /**
   * Strata on an existing session.
   *
   * @param definition a pipeline folder (holding pipeline.yaml) or the pipeline.yaml itself
   * @param warehouse the warehouse root: a path or a Hadoop URI
   * @throws StrataException.InvalidException if the definition is invalid, or the session was
   *     started without Delta's extension
   * @throws IllegalStateException if Strata's engine is not on the classpath
   */
  static Strata on(SparkSession spark, String definition, String warehouse) {
    for (Provider provider : ServiceLoader.load(Provider.class, Strata.class.getClassLoader())) {
      return provider.open(spark, definition, warehouse);
    }
    throw new IllegalStateException(
        "Strata's engine is not on the classpath: add the job jar (strata-jobs, or its shaded jar) next to strata-transforms.");
  }

  /** How many table partitions build at once (default 4). */
  Strata parallelism(int n);

  /** Builds one partition (a date, yyyy-MM-dd) of every table. */
  RunOutcome run(String partition);

  /** Builds a range of partitions of every table. */
  RunOutcome run(String from, String to);

  /**
   * Backfills a range: a plan stored in the ledger, resumed if issued again (units already
   * published by it are skipped).
   *
   * @param tables selectors as for {@code --tables} (T, T+, +T); none for every table
   * @return the run, with no builds if the plan had nothing left to do
   */
  RunOutcome backfill(String from, String to, String... tables);

  /** {@link #backfill}, rebuilding every unit if {@code force}. */
  RunOutcome backfill(String from, String to, boolean force, String... tables);

  /** The latest build of every table partition, with its last successful publish, from the ledger. */
  Dataset<Row> status();

  /** What opens Strata on a session: implemented by the engine, found by {@link Strata#on}. */
  interface Provider {
    Strata open(SparkSession spark, String definition, String warehouse);
  }
}

package dev.strata.jobs.engine;

import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import java.io.PrintWriter;
import java.time.Clock;
import org.apache.spark.sql.SparkSession;

/**
 * What every part of the engine works with, passed explicitly: the session, the warehouse, the
 * clock, where user-facing output goes, the environment secrets are looked up in, the faults
 * tests inject, and how the command was invoked (for the commands a failure suggests next).
 *
 * @param env environment variables (webhook URLs are looked up here, never in System.getenv)
 * @param faults {@link Faults#NONE} outside tests
 * @param invocation the command's pipeline argument and location options, and the sample rows a failure shows
 */
public record EngineContext(
    SparkSession spark, Warehouse warehouse, Clock clock, PrintWriter out, java.util.Map<String, String> env, Faults faults,
    Invocation invocation) {
  public EngineContext(SparkSession spark, Warehouse warehouse, Clock clock, PrintWriter out) {
    this(spark, warehouse, clock, out, java.util.Map.of(), Faults.NONE);
  }

  public EngineContext(
      SparkSession spark, Warehouse warehouse, Clock clock, PrintWriter out, java.util.Map<String, String> env, Faults faults) {
    this(spark, warehouse, clock, out, env, faults, Invocation.DEFAULT);
  }

  /** The same context for a command invoked this way. */
  public EngineContext with(Invocation how) {
    return new EngineContext(spark, warehouse, clock, out, env, faults, how);
  }

  public HadoopFiles files() {
    return new HadoopFiles(spark.sparkContext().hadoopConfiguration());
  }
}

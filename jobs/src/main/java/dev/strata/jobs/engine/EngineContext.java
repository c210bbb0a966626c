package dev.strata.jobs.engine;

import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import java.io.PrintWriter;
import java.time.Clock;
import org.apache.spark.sql.SparkSession;

/**
 * What every part of the engine works with, passed explicitly: the session, the warehouse, the
 * clock, where user-facing output goes, the environment secrets are looked up in, and the faults
 * tests inject.
 *
 * @param env environment variables (webhook URLs are looked up here, never in System.getenv)
 * @param faults {@link Faults#NONE} outside tests
 */
public record EngineContext(
    SparkSession spark, Warehouse warehouse, Clock clock, PrintWriter out, java.util.Map<String, String> env, Faults faults) {
  public EngineContext(SparkSession spark, Warehouse warehouse, Clock clock, PrintWriter out) {
    this(spark, warehouse, clock, out, java.util.Map.of(), Faults.NONE);
  }

  public HadoopFiles files() {
    return new HadoopFiles(spark.sparkContext().hadoopConfiguration());
  }
}

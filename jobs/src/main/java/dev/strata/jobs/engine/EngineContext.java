package dev.strata.jobs.engine;

import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import java.io.PrintWriter;
import java.time.Clock;
import org.apache.spark.sql.SparkSession;

/**
 * What every part of the engine works with, passed explicitly: the session, the warehouse, the
 * clock and where user-facing output goes.
 */
public record EngineContext(SparkSession spark, Warehouse warehouse, Clock clock, PrintWriter out) {
  public HadoopFiles files() {
    return new HadoopFiles(spark.sparkContext().hadoopConfiguration());
  }
}

package dev.strata.jobs.engine;

import dev.strata.jobs.run.Invocation;
import dev.strata.api.BuildStatus;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.apache.spark.sql.SparkSession;

/**
 * What every part of the engine works with, passed explicitly: the session, the warehouse, the
 * clock, where user-facing output goes, the environment secrets are looked up in, how its steps
 * with side effects run (tests substitute failing ones), how the command was invoked (for the commands a failure suggests next), and what
 * the entry point exits with for an outcome (the ledger, reports and alerts record it).
 *
 * @param env environment variables (webhook URLs are looked up here, never in System.getenv)
 * @param steps how steps with side effects run: {@link Steps#DIRECT} outside tests
 * @param invocation the command's pipeline argument and location options, and the sample rows a failure shows
 * @param exitCodes the exit code of a run whose worst outcome is a status: the entry point's own
 *     mapping (the engine records it, it never decides it)
 */
public record EngineContext(
    SparkSession spark, Warehouse warehouse, Clock clock, PrintWriter out, Map<String, String> env, Steps steps,
    Invocation invocation, ToIntFunction<BuildStatus> exitCodes) {

  public EngineContext(SparkSession spark, Warehouse warehouse, Clock clock, PrintWriter out, ToIntFunction<BuildStatus> exitCodes) {
    this(spark, warehouse, clock, out, Map.of(), Steps.DIRECT, Invocation.DEFAULT, exitCodes);
  }

  /** The same context for a command invoked this way. */
  public EngineContext with(Invocation how) {
    return new EngineContext(spark, warehouse, clock, out, env, steps, how, exitCodes);
  }

  /** The same context with its steps run this way (a test's faults). */
  public EngineContext with(Steps how) {
    return new EngineContext(spark, warehouse, clock, out, env, how, invocation, exitCodes);
  }

  /** What a run whose worst outcome is {@code status} exits with. */
  public int exitCode(BuildStatus status) {
    return exitCodes.applyAsInt(status);
  }

  public HadoopFiles files() {
    return new HadoopFiles(spark.sparkContext().hadoopConfiguration());
  }
}

package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.run.RunRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** Options of every command that builds tables (run, backfill): which tables, how many at once, how long to wait for a lease. */
final class BuildOptions {
  @Option(
      names = "--tables",
      split = ",",
      paramLabel = "SELECTOR",
      description = "Build only these tables: T alone, T+ with its downstream, +T with its upstream; comma-separated. The others are read as published.")
  List<String> tables = new ArrayList<>();

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      description = "Table partitions built at once, each in its own Spark scheduler pool (default " + RunRequest.DEFAULT_PARALLELISM + ").")
  int parallelism = RunRequest.DEFAULT_PARALLELISM;

  @Option(
      names = "--lock-timeout",
      paramLabel = "DURATION",
      description = "How long to wait when another run is building the same table partition, e.g. 0s, 30s, 10m (default 10m). Then exit 6.")
  String lockTimeout = "10m";

  @Option(
      names = "--samples",
      paramLabel = "N",
      description = "Rows a failed rule shows (with the table's key), in the console, the report and the alert (default "
          + dev.strata.quality.Samples.DEFAULT + "; 0 for none).")
  int samples = dev.strata.quality.Samples.DEFAULT;

  /** Checks the values; {@code what} starts the error message, e.g. "Cannot run banking". */
  void check(String what) {
    Errors.check(Durations.parse(lockTimeout) != null, "%s: --lock-timeout '%s' is not a duration; write e.g. 0s, 30s or 10m.", what, lockTimeout);
    Errors.check(parallelism >= 1 && parallelism <= 64, "%s: --parallelism %d is out of range; use 1 to 64.", what, parallelism);
    Errors.check(samples >= 0 && samples <= 100, "%s: --samples %d is out of range; use 0 to 100.", what, samples);
  }

  Duration lockWait() {
    return Durations.parse(lockTimeout);
  }

  /** The selected tables; empty for every table. */
  Set<String> selected(Pipeline pipeline) {
    return tables.isEmpty() ? Set.of() : pipeline.select(tables);
  }
}

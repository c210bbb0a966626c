package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.Backfill;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.RunRequest;
import dev.strata.jobs.engine.RunResult;
import dev.strata.jobs.engine.Sessions;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "backfill",
    description = {
      "Rebuild a range of partitions as a plan of (table, partition) units stored in the ledger, each gated as usual.",
      "Issued again with the same range and tables it resumes, skipping units published since it was first planned (unless --force)."
    })
final class BackfillCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "First partition.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD", description = "Last partition, inclusive.")
  String to;

  @Option(names = "--tables", split = ",", paramLabel = "SELECTOR", description = "T, T+ (with downstream) or +T (with upstream); default every table.")
  List<String> tables = new ArrayList<>();

  @Option(names = "--parallelism", paramLabel = "K", description = "Units built at once (default " + RunRequest.DEFAULT_PARALLELISM + ").")
  int parallelism = RunRequest.DEFAULT_PARALLELISM;

  @Option(names = "--dry-run", description = "Print the plan and its size; build and store nothing.")
  boolean dryRun;

  @Option(names = "--force", description = "Build every unit again, even those already published by this backfill.")
  boolean force;

  @Option(names = "--lock-timeout", paramLabel = "DURATION", description = "How long to wait for a run holding a table partition (default 10m).")
  String lockTimeout = "10m";

  @Override
  public Integer call() {
    LocalDate start = Dates.parse("--from", from);
    LocalDate end = Dates.parse("--to", to);
    Duration wait = Durations.parse(lockTimeout);
    Errors.check(wait != null, "Cannot backfill %s: --lock-timeout '%s' is not a duration; write e.g. 0s or 10m.", pipeline, lockTimeout);
    Errors.check(parallelism >= 1 && parallelism <= 64, "Cannot backfill %s: --parallelism %d is out of range; use 1 to 64.", pipeline, parallelism);
    Pipeline p = PipelineValidator.validateOrThrow(common.pipelineFile(pipeline), pipeline);
    Set<String> selected = tables.isEmpty() ? Set.of() : p.select(tables);
    EngineContext ctx = common.context(Sessions.create("strata backfill " + p.name()), spec.commandLine().getOut());
    Backfill backfill = new Backfill(ctx);
    Backfill.Plan plan = backfill.plan(p, start, end, selected, force);
    backfill.print(plan);
    if (dryRun) {
      ctx.out().println("Dry run: nothing was built or stored.");
      ctx.out().flush();
      return 0;
    }
    RunResult result = backfill.execute(p, plan, parallelism, wait);
    return result == null ? 0 : result.exitCode();
  }
}

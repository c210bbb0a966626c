package dev.strata.jobs.cli;

import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.engine.Backfill;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.run.RunResult;
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

  @Mixin BuildOptions build;

  @Option(names = "--dry-run", description = "Print the plan and its size; build and store nothing.")
  boolean dryRun;

  @Option(names = "--force", description = "Build every unit again, even those already published by this backfill.")
  boolean force;

  @Override
  public Integer call() {
    dev.strata.api.Partition start = Dates.partition("--from", from);
    dev.strata.api.Partition end = Dates.partition("--to", to);
    build.check("Cannot backfill " + pipeline);
    Pipeline p = common.validated(pipeline);
    Set<String> selected = build.selected(p);
    EngineContext ctx = common.context(common.session("strata backfill " + p.name()), spec.commandLine().getOut())
        .with(common.invocation(pipeline, build.samples));
    Backfill backfill = new Backfill(ctx);
    Backfill.Plan plan = backfill.plan(p, start, end, selected, force);
    backfill.print(plan);
    if (dryRun) {
      ctx.out().println("Dry run: nothing was built or stored.");
      ctx.out().flush();
      return 0;
    }
    RunResult result = backfill.execute(p, plan, build.parallelism, build.lockWait());
    return result == null ? 0 : result.exitCode();
  }
}

package dev.strata.jobs.cli;

import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineDefinition.Retention;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.ledger.MaintenanceRecord;
import dev.strata.jobs.maintain.Maintenance;
import dev.strata.jobs.run.RunRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code strata maintain PIPELINE}: compaction, vacuum and retention, recorded in the ledger. */
@Command(
    name = "maintain",
    description = {
      "Compact the partitions published since the last maintenance (ZORDER BY a table's zorder_by), VACUUM each table and quarantine,",
      "expire quarantine partitions, staging folders and reports older than the pipeline's retention, compact the ledger.",
      "Partitions another run holds are skipped (the next maintenance does them). Every action is recorded in the ledger."
    })
final class MaintainCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Option(names = "--dry-run", description = "List what it would do; change and record nothing.")
  boolean dryRun;

  @Option(
      names = "--scheduled",
      paramLabel = "JOB@INSTANT",
      description = "Record this maintenance as the interval of a scheduled job (job: maintain) that closed at INSTANT (set by `strata schedule`).")
  String scheduled;

  @Override
  public Integer call() {
    RunRequest.Scheduled as = scheduled == null ? null : Dates.scheduled(scheduled);
    Pipeline p = common.validated(pipeline);
    EngineContext ctx = common.context(common.session("strata maintain " + p.name()), spec.commandLine().getOut())
        .with(common.invocation(pipeline, dev.strata.quality.Samples.DEFAULT));
    return maintain(ctx, p, dryRun, as);
  }

  /**
   * Plans a maintenance of the pipeline, prints it, and (unless a dry run) does it, printing each
   * action as it ends; the exit code: 0, or 4 if an action failed.
   */
  static int maintain(EngineContext ctx, Pipeline p, boolean dryRun, RunRequest.Scheduled scheduled) {
    long start = System.nanoTime();
    Maintenance maintenance = new Maintenance(ctx, p);
    Maintenance.Plan plan = maintenance.plan(PipelineRunner.newRunId(ctx.clock().instant()));
    PrintWriter out = ctx.out();
    Retention r = maintenance.retention();
    out.printf("Maintenance %s: pipeline %s, warehouse %s%s%n", plan.id(), p.name(), ctx.warehouse().root(),
        scheduled == null ? "" : ", scheduled " + scheduled.job() + "@" + scheduled.fire());
    out.printf("  retention: files %s%s, staging %s, quarantine %s, reports %s%n", Durations.format(plan.fileRetention()),
        plan.fileRetention().equals(r.files()) ? "" : " (declared " + Durations.format(r.files()) + ", below the longest build, "
            + Durations.format(plan.longestBuild()) + ")",
        Durations.format(r.staging()), Durations.format(r.quarantine()), Durations.format(r.reports()));
    out.printf("  %-17s  %-26s  %-13s  %s%n", "action", "table", "partition", dryRun ? "would" : "result");
    if (dryRun) {
      for (Maintenance.Action a : plan.actions()) {
        out.printf("  %-17s  %-26s  %-13s  %s%n", a.kind().key(), a.table(), a.partitionText(), would(a));
      }
      out.printf("Dry run: %d actions; nothing was changed or recorded.%n", plan.actions().size());
      out.flush();
      return ExitCodes.OK;
    }
    List<Maintenance.Outcome> outcomes = maintenance.run(plan, scheduled, o -> {
      synchronized (out) {
        out.printf(Locale.ROOT, "  %-17s  %-26s  %-13s  %s%s  %.1fs%n", o.action().kind().key(), o.action().table(), o.action().partitionText(),
            o.status().equals(MaintenanceRecord.DONE) ? "" : o.status() + ": ", o.message(), o.took().toMillis() / 1000.0);
        out.flush();
      }
    });
    long failed = outcomes.stream().filter(Maintenance.Outcome::failed).count();
    long skipped = outcomes.stream().filter(o -> o.status().equals(MaintenanceRecord.SKIPPED)).count();
    out.printf(Locale.ROOT, "Maintenance %s %s: %d actions, %d skipped, %d failed in %.1fs%n", plan.id(), failed == 0 ? "done" : "failed",
        outcomes.size(), skipped, failed, Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0);
    if (failed > 0) {
      out.println("  fix: the FAILED lines say why; everything else was done and recorded. `strata maintain " + p.name()
          + "` again does what is left.");
    }
    out.flush();
    return failed == 0 ? ExitCodes.OK : ExitCodes.JOB_FAILED;
  }

  private static String would(Maintenance.Action a) {
    return switch (a.kind()) {
      case OPTIMIZE -> Maintenance.rewrites(a)
          ? "compact " + a.found() + (a.zorderBy().isEmpty() ? "" : ", ZORDER BY " + String.join(", ", a.zorderBy()))
          : "record as compacted (" + a.found() + ")";
      case EXPIRE_QUARANTINE -> "delete " + a.found();
      case VACUUM -> "remove " + a.found();
      case REMOVE_STAGING, REMOVE_REPORT -> "remove " + a.target() + " (" + a.found() + ")";
      case COMPACT_LEDGER -> "compact " + a.found();
    };
  }
}

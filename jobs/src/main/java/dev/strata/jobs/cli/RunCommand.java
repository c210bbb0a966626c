package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Layer;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.run.RunRequest;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    description = {
      "Build a pipeline's tables, gating each before it is published.",
      "With --date or --from/--to, those partitions. With neither, an incremental run: only the table partitions that are out of date",
      "(new or changed landing files, or an input published since the table last built)."
    })
final class RunCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The partition to build: a day, an hour (YYYY-MM-DDTHH) or a month (YYYY-MM); each table builds its partitions within it.")
  String date;

  @Option(names = "--from", paramLabel = "YYYY-MM-DD", description = "First partition of a range (with --to).")
  String from;

  @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "Last partition of a range, inclusive.")
  String to;

  @Option(names = "--layer", paramLabel = "LAYER", description = "Build only this layer: bronze, silver or gold.")
  String layer;

  @Mixin BuildOptions build;

  @Option(
      names = "--resume",
      paramLabel = "RUN_ID",
      description = "Resume a run that did not publish everything: rebuild only its table partitions that are not published.")
  String resume;

  @Option(
      names = "--wait-for",
      paramLabel = "PATH",
      description = "Before starting, wait until PATH exists (a folder: until it holds _SUCCESS). {date} stands for each partition; relative to the warehouse. Repeatable.")
  List<String> waitFor = new ArrayList<>();

  @Option(names = "--wait-timeout", paramLabel = "DURATION", description = "Give up waiting for --wait-for after this long, with exit 5 (default 1h).")
  String waitTimeout = "1h";

  @Option(names = "--poll-interval", paramLabel = "DURATION", description = "How often --wait-for looks again (default 30s).")
  String pollInterval = "30s";

  @Option(
      names = "--full-refresh",
      description = "Rebuild every table over every partition the sources have files for (instead of only what is out of date).")
  boolean fullRefresh;

  @Option(names = "--force", description = "With --full-refresh: rebuild history (SCD2) tables too, from the snapshots still landed.")
  boolean force;

  @Option(
      names = "--scheduled",
      paramLabel = "JOB@INSTANT",
      description = "Record this run as the interval of a scheduled job that closed at INSTANT (set by `strata schedule` and exported DAGs).")
  String scheduled;

  @Option(
      names = "--schedule",
      paramLabel = "NAME",
      description = "Run the interval of the pipeline's schedule NAME that closed last: its partition and layer, recorded as that job's run (for plain cron).")
  String schedule;

  @Option(
      names = "--reset-circuit",
      paramLabel = "SOURCE",
      description = "Close the circuit breaker of SOURCE by hand before the run (repeatable): its next ingest tries it whatever its"
          + " recent failures.")
  java.util.List<String> resetCircuit = new java.util.ArrayList<>();

  @Option(
      names = "--reset-stream",
      paramLabel = "SOURCE",
      description = "Start the Kafka source SOURCE over before the run (repeatable), after its topic was deleted and created again:"
          + " its next pull begins at its starting_offsets; what it landed before stays.")
  java.util.List<String> resetStream = new java.util.ArrayList<>();

  /** The scheduled interval this run is: from --schedule, or parsed from --scheduled. */
  private RunRequest.Scheduled scheduledRun;

  @Override
  public Integer call() {
    java.time.Duration waitLimit = dev.strata.jobs.definition.Durations.parse(waitTimeout);
    java.time.Duration poll = dev.strata.jobs.definition.Durations.parse(pollInterval);
    Errors.check(waitLimit != null, "Cannot run %s: --wait-timeout '%s' is not a duration; write e.g. 30m or 2h.", pipeline, waitTimeout);
    Errors.check(poll != null && !poll.isZero(), "Cannot run %s: --poll-interval '%s' is not a positive duration; write e.g. 10s.", pipeline, pollInterval);
    build.check("Cannot run " + pipeline);
    if (resume != null) {
      Errors.check(
          date == null && from == null && to == null && layer == null && build.tables.isEmpty(),
          "Cannot run %s: --resume %s rebuilds what that run did not publish, over its own partitions and tables;"
              + " drop --date, --from, --to, --layer and --tables.", pipeline, resume);
    }
    Pipeline p = common.validated(pipeline);
    if (schedule != null) {
      Errors.check(
          date == null && from == null && to == null && layer == null && resume == null && scheduled == null && !fullRefresh,
          "Cannot run %s: --schedule %s picks the partition and layer of the interval that closed last; drop --date, --from, --to, --layer,"
              + " --resume, --scheduled and --full-refresh.", pipeline, schedule);
      resolveSchedule(p);
    }
    RunRequest request = resume == null ? request() : null;
    if (request != null && !build.tables.isEmpty()) {
      request = request.withTables(build.selected(p));
    }
    EngineContext ctx = common.context(common.session("strata run " + p.name()), spec.commandLine().getOut())
        .with(common.invocation(pipeline, build.samples));
    PipelineRunner runner = new PipelineRunner(ctx);
    for (String source : resetCircuit) {
      var declared = p.definition().source(source);
      Errors.check(declared.isPresent() && declared.get().circuit() != null,
          "Cannot run %s: --reset-circuit %s names no source with a circuit breaker; the sources with one are %s.", pipeline,
          Errors.printable(source), p.definition().sources().stream().filter(x -> x.circuit() != null).map(x -> x.name()).toList());
      new dev.strata.jobs.engine.CircuitBreakers(new dev.strata.jobs.ledger.Ledger(ctx.spark(), ctx.warehouse()), p.name())
          .reset(declared.get(), PipelineRunner.newRunId(ctx.clock().instant()), ctx.clock().instant());
      ctx.out().printf("Circuit of source '%s' closed by hand: its next ingest tries it.%n", source);
    }
    for (String source : resetStream) {
      var declared = p.definition().source(source);
      Errors.check(declared.isPresent() && declared.get().stream(),
          "Cannot run %s: --reset-stream %s names no Kafka source; the pipeline's are %s.", pipeline,
          Errors.printable(source), p.definition().sources().stream().filter(x -> x.stream()).map(x -> x.name()).toList());
      new dev.strata.jobs.stream.KafkaPull(ctx.spark(), ctx.warehouse(), new dev.strata.jobs.ledger.Ledger(ctx.spark(), ctx.warehouse()),
          ctx.env(), ctx.clock()).reset(p.name(), declared.get(), PipelineRunner.newRunId(ctx.clock().instant()));
      ctx.out().printf("Source '%s' started over: its next pull begins at its starting_offsets.%n", source);
    }
    if (resume != null) {
      request = runner.resumeRequest(p, resume, build.parallelism);
    } else if (incremental()) {
      request = runner.incrementalRequest(p, request.withParallelism(build.parallelism), fullRefresh, force);
    }
    if (request == null) {
      return 0;
    }
    if (scheduled != null) {
      scheduledRun = Dates.scheduled(scheduled);
    }
    if (scheduledRun != null) {
      request = request.withScheduled(scheduledRun);
    }
    if (!waitFor.isEmpty()) {
      java.util.List<dev.strata.api.Partition> dates = request.partitions();
      new dev.strata.jobs.engine.Sensors(ctx.spark().sparkContext().hadoopConfiguration(), ctx.warehouse(), ctx.clock())
          .waitFor(waitFor, dates, waitLimit, poll, ctx.out());
    }
    return runner.run(p, request.withParallelism(build.parallelism).withLockTimeout(build.lockWait())).exitCode();
  }

  /** Sets --date, --layer and --scheduled from the interval of the schedule that closed last. */
  private void resolveSchedule(Pipeline p) {
    var s = p.definition().schedules().stream().filter(x -> x.name().equals(schedule)).findFirst()
        .orElseThrow(() -> Errors.invalid("Cannot run %s: it has no schedule '%s'; its schedules are %s (%s).", pipeline, schedule,
            p.definition().schedules().stream().map(x -> x.name()).toList(), p.definition().file()));
    var cron = dev.strata.jobs.definition.Cron.of(s.cron(), s.zone());
    java.time.Instant fire = cron.latestAtOrBefore(java.time.Instant.now())
        .orElseThrow(() -> Errors.invalid("Cannot run %s: schedule '%s' (%s) has never fired.", pipeline, schedule, cron));
    date = cron.partitionFor(fire, dev.strata.jobs.engine.Scheduler.Job.of(p, s).finest()).toString();
    layer = s.layer().map(dev.strata.jobs.definition.Layer::key).orElse(null);
    scheduledRun = new RunRequest.Scheduled(p.name() + "." + s.name(), fire);
  }

  /** Whether the run finds its own partitions: no --date, --from or --to. */
  boolean incremental() {
    return date == null && from == null && to == null;
  }

  RunRequest request() {
    Errors.check(
        date == null || (from == null && to == null),
        "Cannot run %s: give either --date D, or --from D1 --to D2 (or neither, for an incremental run).", pipeline);
    Errors.check(!fullRefresh || incremental(), "Cannot run %s: --full-refresh finds its own partitions; drop --date, --from and --to.", pipeline);
    dev.strata.api.Partition first = date != null ? Dates.partition("--date", date) : null;
    if (first == null && !incremental()) {
      Errors.check(from != null && to != null, "Cannot run %s: --from and --to go together.", pipeline);
    }
    dev.strata.api.Partition epoch = dev.strata.api.Partition.day(LocalDate.EPOCH);
    dev.strata.api.Partition start = incremental() ? epoch : first != null ? first : Dates.partition("--from", from);
    dev.strata.api.Partition end = incremental() ? epoch : first != null ? first : Dates.partition("--to", to);
    Errors.check(start.granularity() == end.granularity(), "Cannot run %s: --from %s and --to %s are not of the same kind (an hour, a day,"
        + " a month); write both alike.", pipeline, start, end);
    Errors.check(start.compareTo(end) <= 0, "Cannot run %s: --from %s is after --to %s. Swap them.", pipeline, start, end);
    Optional<Layer> only = Optional.empty();
    if (layer != null) {
      Layer parsed = Layer.parse(layer);
      Errors.check(parsed != null, "Cannot run %s: unknown --layer '%s'; use bronze, silver or gold.", pipeline, layer);
      only = Optional.of(parsed);
    }
    return new RunRequest(RunRequest.range(start, end), only, java.util.Set.of(), "cli");
  }
}

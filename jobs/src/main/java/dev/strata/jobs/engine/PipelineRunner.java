package dev.strata.jobs.engine;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.Errors;
import dev.strata.jobs.alert.Alerts;
import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.RetryPolicy;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.SourceReader;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.RunRecord;
import dev.strata.jobs.ledger.UnitState;
import dev.strata.jobs.report.QualityReport;
import dev.strata.jobs.run.Incidents;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.jobs.run.UnitId;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a pipeline over a range of partitions: tables in dependency order, each gated before it is
 * published; a table that does not publish keeps everything downstream of it from building.
 *
 * <p>Before anything is built, every landing file the run needs is checked (present, header as
 * declared), so that bad input fails the run with exit 2 and leaves every table as it was.
 */
public final class PipelineRunner {
  private static final DateTimeFormatter RUN_ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final EngineContext ctx;

  public PipelineRunner(EngineContext ctx) {
    this.ctx = ctx;
  }

  /** A new run id: sortable by start time, unique across concurrent runs. */
  public static String newRunId(Instant start) {
    byte[] suffix = new byte[3];
    RANDOM.nextBytes(suffix);
    return RUN_ID_TIME.format(start) + "-" + HexFormat.of().formatHex(suffix);
  }

  /**
   * Runs the request. Never throws for a failing table: each outcome is in the result. Throws the
   * exit-2 error, before writing anything, if the run's input is missing or malformed.
   */
  public RunResult run(Pipeline pipeline, RunRequest asked) {
    Errors.check(!asked.partitions().isEmpty(), "Cannot run %s: the run has no partitions to build.", pipeline.name());
    Errors.check(
        asked.partitions().size() <= RunRequest.MAX_PARTITIONS,
        "Cannot run %s over %d partitions: one run covers at most %d. Split the range.",
        pipeline.name(), asked.partitions().size(), RunRequest.MAX_PARTITIONS);
    List<TableDefinition> tables =
        pipeline.tablesInOrder().stream()
            .filter(t -> asked.includes(t.name(), t.layer()))
            .toList();
    SourceReader sources = new SourceReader(ctx.spark(), ctx.warehouse(), ctx.files(), ctx.env(), pipeline.definition().folder().toString());
    pullStreams(pipeline, tables);
    RunRequest request = withLanded(pipeline, tables, asked);
    List<Partition> partitions = request.partitions();
    closedCircuits(pipeline, tables);
    preflight(sources, pipeline, tables, partitions, request);
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    // A damaged table, quarantine or ledger table (files but no readable Delta log) fails the run
    // here, before anything is written: never taken for a new, empty one.
    List<String> checked = new ArrayList<>(ledger.paths());
    for (TableDefinition t : tables) {
      checked.add(ctx.warehouse().tablePath(t.layer(), t.name()));
      checked.add(ctx.warehouse().quarantinePath(t.name()));
    }
    DeltaTables.checkAll(ctx.spark(), checked);
    dev.strata.jobs.openlineage.LineageEvents lineage = lineage(pipeline);

    Instant start = ctx.clock().instant();
    String runId = newRunId(start);
    RunPrinter printer = new RunPrinter(ctx.out());
    List<String> unfinished = unfinishedRuns(ledger, pipeline, partitions);
    printer.start(runId, pipeline.name(), partitions, request, ctx.warehouse().root(), unfinished);
    List<String> tableNames = tables.stream().map(TableDefinition::name).toList();
    Retrier.run(Retrier.BOOKKEEPING, "record run " + runId + " in the ledger",
        () -> ledger.runStarted(runId, pipeline.name(), request, tableNames, partitions, start));
    lineage.runStarted(runId, partitions, start);
    List<TableBuildResult> builds;
    Deliveries deliveries = new Deliveries(ctx, pipeline, runId, ledger, printer);
    try {
      TableBuilder builder = new TableBuilder(ctx, pipeline, runId, start, sources, ledger, freshness(pipeline, tables), partitions,
          deliveries, lineage, unavailable);
      builds = schedule(pipeline, request, tables, partitions, runId, builder, ledger, printer);
    } catch (RuntimeException e) {
      // The engine's own bookkeeping failed (the ledger could not take a build's outcome): the
      // run cannot finish, but it must not stay RUNNING in the ledger for ever.
      try {
        ledger.runAborted(runId, pipeline.name(), request, tableNames, partitions, start, ctx.clock().instant(),
            ctx.exitCode(BuildStatus.FAILED));
      } catch (RuntimeException ignored) {
        // The ledger is what failed: the message below says what to do.
      }
      throw e;
    }
    if (builds.stream().noneMatch(b -> b.status() == BuildStatus.BLOCKED)) {
      try {
        ctx.files().delete(ctx.warehouse().stagingRoot(runId));
      } catch (RuntimeException e) {
        ctx.out().printf("Warning: could not delete the run's staging folder %s (%s); nothing reads it, delete it when convenient.%n",
            ctx.warehouse().stagingRoot(runId), Errors.rootMessage(e));
      }
    }
    Instant end = ctx.clock().instant();
    String reportDir = ctx.warehouse().reportDir(runId);
    List<dev.strata.jobs.run.DeliveryResult> delivered = deliveries.results();
    RunResult partial = new RunResult(runId, pipeline.name(), partitions, start, end, builds, reportDir + "/quality.json",
        Incidents.of(runId, pipeline.name(), builds, ctx.invocation(), pipeline.definition().folder(), ctx.warehouse()),
        ctx.exitCode(RunResult.worst(builds, delivered)), delivered);
    try {
      // The report is a view of what the ledger holds: failing to write it changes no outcome.
      Retrier.run(Retrier.BOOKKEEPING, "write the quality report of run " + runId, () -> {
        ctx.steps().run("report", pipeline.name(),
            () -> ctx.files().writeText(partial.reportPath(), QualityReport.json(partial, pipeline.definition().folder())));
      });
    } catch (RuntimeException e) {
      ctx.out().printf("Warning: the quality report of run %s could not be written to %s (%s); the ledger has every outcome"
          + " (strata history %s).%n", runId, partial.reportPath(), Errors.rootMessage(e), pipeline.name());
    }
    try {
      Retrier.run(Retrier.BOOKKEEPING, "record the end of run " + runId + " in the ledger", () -> {
        ctx.steps().run("run-end", pipeline.name(), () -> ledger.runEnded(partial, request, tableNames, ctx.clock().instant()));
      });
    } catch (RuntimeException e) {
      printer.finish(partial, ctx.invocation());
      throw new StrataException.JobFailedException(
          (e instanceof StrataException ? e.getMessage() : "Cannot record the end of run " + runId + " in the ledger: "
              + Errors.rootMessage(e) + ".")
              + " Every build of the run is recorded with its outcome (above), and builds that read them trust those"
              + " records; only the run itself shows as RUNNING in `strata history`, its end unrecorded.", e);
    }
    try {
      ledger.compact();
    } catch (RuntimeException e) {
      // Housekeeping: the next run tries again.
      ctx.out().printf("Note: compacting the ledger failed (%s); the next run tries again.%n", e.getClass().getSimpleName());
    }
    printer.finish(partial, ctx.invocation());
    lineage.runEnded(partial);
    new Alerts(pipeline.definition(), ctx.env(), ctx.out()).send(partial, ctx.warehouse().root());
    return partial;
  }

  /**
   * A scheduled run that pulled messages into partitions outside its interval (a producer's late
   * messages, stamped with the time they happened; a pull that caught up after downtime): those
   * partitions too, for the tables that read the topic and what reads them, so that what a
   * schedule lands it also builds, and no landed message waits for a run nobody starts. A run
   * someone dated (--date, --from/--to) builds what it was asked and says what waits; an
   * incremental run planned them already.
   */
  private RunRequest withLanded(Pipeline pipeline, List<TableDefinition> tables, RunRequest request) {
    if (plannedIncrementally || landedNow.isEmpty()) {
      return request;
    }
    // The tables the topics feed, and those that read them, in dependency order.
    Set<String> fed = new java.util.HashSet<>();
    java.util.TreeSet<Partition> outside = new java.util.TreeSet<>();
    for (TableDefinition t : tables) {
      for (String input : t.inputs()) {
        if (fed.contains(input) || landedNow.containsKey(input)) {
          fed.add(t.name());
        }
        for (Partition p : landedNow.getOrDefault(input, new java.util.TreeSet<>())) {
          if (!t.unpartitioned() && !request.partitionsOf(t.granularity()).contains(Partition.of(t.granularity(), p.start()))) {
            outside.add(p);
          }
        }
      }
    }
    if (outside.isEmpty()) {
      return request;
    }
    if (request.scheduled() == null) {
      ctx.out().printf("  kafka: messages landed in %s, outside this run's partitions: an incremental run (strata run %s) builds them.%n",
          RunRequest.describe(List.copyOf(outside)), pipeline.name());
      return request;
    }
    java.util.TreeSet<Partition> all = new java.util.TreeSet<>(request.partitions());
    all.addAll(outside);
    Set<UnitId> skip = new java.util.HashSet<>(request.skip());
    for (TableDefinition t : tables) {
      List<Partition> asked = request.partitionsOf(t.granularity());
      for (Partition p : RunRequest.partitionsOf(t.granularity(), all)) {
        if (!fed.contains(t.name()) && !asked.contains(p)) {
          skip.add(RunRequest.unit(t.name(), p));
        }
      }
    }
    ctx.out().printf("  kafka: messages landed in %s, outside the scheduled interval: the tables that read them build those too.%n",
        RunRequest.describe(List.copyOf(outside)));
    return request.withPartitions(List.copyOf(all)).withSkip(skip);
  }

  /** The partitions this runner's pulls landed messages in, by source. */
  private final Map<String, java.util.SortedSet<Partition>> landedNow = new java.util.concurrent.ConcurrentHashMap<>();
  /** Whether this runner planned an incremental run (which plans what its pulls landed). */
  private boolean plannedIncrementally;

  /** Sources this runner could not pull from, with why: the builds that read them are NOT_READY. */
  private final Map<String, String> unavailable = new java.util.concurrent.ConcurrentHashMap<>();
  /** Whether this runner has pulled its streams already (planning does, then the run need not again). */
  private boolean pulled;

  /**
   * Lands what is new on each Kafka source the tables read ({@link KafkaPull}), once per runner,
   * each under its source's lease so that two runs never pull one topic at once. A pull that
   * fails makes its source unavailable to this run (its tables NOT_READY); a source whose
   * settings are wrong (no broker given) is exit 2.
   */
  private void pullStreams(Pipeline pipeline, List<TableDefinition> tables) {
    if (pulled) {
      return;
    }
    pulled = true;
    java.util.Set<dev.strata.jobs.definition.SourceDefinition> streams = new java.util.LinkedHashSet<>();
    for (TableDefinition t : tables) {
      t.inputs().forEach(i -> pipeline.definition().source(i).filter(dev.strata.jobs.definition.SourceDefinition::stream).ifPresent(streams::add));
    }
    if (streams.isEmpty()) {
      return;
    }
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    dev.strata.jobs.stream.KafkaPull pull = new dev.strata.jobs.stream.KafkaPull(ctx.spark(), ctx.warehouse(), ledger, ctx.env(), ctx.clock());
    CircuitBreakers breakers = new CircuitBreakers(ledger, pipeline.name());
    String pullId = newRunId(ctx.clock().instant());
    try (PartitionLocks locks = new PartitionLocks(ctx.spark().sparkContext().hadoopConfiguration(), ctx.warehouse(), pipeline.name(), pullId,
        ctx.clock())) {
      for (dev.strata.jobs.definition.SourceDefinition source : streams) {
        pull.bootstrap(source); // no broker given, or credentials missing: exit 2, before anything is pulled
        pull.security(source);
        CircuitBreakers.State breaker = breakers.state(source, ctx.clock().instant());
        if (breaker.kind() == CircuitBreakers.Kind.OPEN) {
          unavailable.put(source.name(), breaker.reason(source.name()));
          ctx.out().println("  kafka: " + source.name() + ": " + breaker.reason(source.name()));
          continue;
        }
        if (breaker.kind() == CircuitBreakers.Kind.HALF_OPEN) {
          ctx.out().println("  kafka: " + source.name() + ": the circuit's cool-down has passed; one pull tries the source again");
        }
        try {
          locks.acquire(source.name(), Partition.whole(), java.time.Duration.ofMinutes(10));
          try {
            java.util.Optional<dev.strata.jobs.stream.KafkaPull.Batch> batch = pull.next(pipeline.name(), source, pullId);
            if (batch.isEmpty()) {
              ctx.out().println("  kafka: " + source.name() + ": no new messages");
            } else {
              dev.strata.jobs.stream.KafkaPull.Pulled landed = pull.land(source, batch.get());
              landedNow.put(source.name(), landed.partitions());
              // Until this is recorded, the batch is landed again by the next pull (a kill here loses nothing, doubles nothing).
              ctx.steps().run("record-landed", source.name(), () -> pull.landed(pipeline.name(), source, batch.get(), pullId));
              ctx.out().println("  kafka: " + landed.describe(source.name()));
            }
          } finally {
            locks.release(source.name(), Partition.whole());
          }
          breakers.record(source, pullId, true, null, ctx.clock().instant());
        } catch (StrataException.InvalidException e) {
          throw e;
        } catch (RuntimeException e) {
          String why = "cannot pull source '" + source.name() + "' (topic " + source.options().get("topic") + "): " + Errors.rootMessage(e);
          String opened = breakers.record(source, pullId, false, why, ctx.clock().instant());
          unavailable.put(source.name(), opened == null ? why : why + "; " + opened);
          ctx.out().println("  kafka: " + unavailable.get(source.name()));
        }
      }
    }
  }

  /**
   * The sources other than Kafka's (whose pull decides for itself) that declare a circuit breaker
   * and are open: unavailable to this run, their tables waiting without touching them.
   */
  private void closedCircuits(Pipeline pipeline, List<TableDefinition> tables) {
    CircuitBreakers breakers = null;
    for (TableDefinition t : tables) {
      for (String input : t.inputs()) {
        var source = guardedByBuilds(pipeline, input);
        if (source.isEmpty() || unavailable.containsKey(input)) {
          continue;
        }
        breakers = breakers != null ? breakers : new CircuitBreakers(new Ledger(ctx.spark(), ctx.warehouse()), pipeline.name());
        CircuitBreakers.State state = breakers.state(source.get(), ctx.clock().instant());
        if (state.kind() == CircuitBreakers.Kind.OPEN) {
          unavailable.put(input, state.reason(input));
        }
      }
    }
  }

  /** The input, if it is a source whose circuit breaker counts the builds that read it (every one with a breaker but a topic's). */
  private static java.util.Optional<dev.strata.jobs.definition.SourceDefinition> guardedByBuilds(Pipeline pipeline, String input) {
    return pipeline.definition().source(input).filter(s -> s.circuit() != null && !s.stream());
  }

  /**
   * After a unit that read sources with a circuit breaker (other than Kafka's, recorded by their
   * pull): its outcome is an ingest attempt of each, FAILED if it failed, else OK. Returns the
   * result, with a note if the failure opened a circuit.
   */
  private TableBuildResult ingested(Pipeline pipeline, String runId, Ledger ledger, TableBuildResult result) {
    TableDefinition table = pipeline.table(result.table());
    if (table == null || result.status() == BuildStatus.SKIPPED || result.status() == BuildStatus.LOCKED
        || result.waitsOnOpenCircuit()) {
      return result;
    }
    TableBuildResult out = result;
    CircuitBreakers breakers = new CircuitBreakers(ledger, pipeline.name());
    for (String input : table.inputs()) {
      var source = guardedByBuilds(pipeline, input);
      if (source.isPresent()) {
        boolean ok = result.status() != BuildStatus.FAILED;
        String opened = breakers.record(source.get(), runId, ok, Errors.firstLine(result.message()), ctx.clock().instant());
        if (opened != null) {
          out = out.withMessage(out.message() + "; " + opened);
        }
      }
    }
    return out;
  }

  /** The run's OpenLineage events, as the environment configures them; settings that name no endpoint are exit 2 before anything is built. */
  private dev.strata.jobs.openlineage.LineageEvents lineage(Pipeline pipeline) {
    try {
      return dev.strata.jobs.openlineage.LineageEvents.of(ctx.env(), ctx.spark(), pipeline, ctx.warehouse(),
          dev.strata.jobs.io.TableCatalog.of(ctx.spark(), pipeline.definition(), ctx.env()), ctx.out());
    } catch (IllegalArgumentException e) {
      throw Errors.invalid("Cannot send OpenLineage events: %s. Fix the setting in the environment (or --env-file), or unset it.",
          e.getMessage());
    }
  }

  private SourceReader sourceReader(Pipeline pipeline) {
    return new SourceReader(ctx.spark(), ctx.warehouse(), ctx.files(), ctx.env(), pipeline.definition().folder().toString());
  }

  /**
   * The request that resumes run {@code runId}: its partitions and tables, without the table
   * partitions it published that are still published (their latest build in the ledger is that
   * run's). Prints and returns null if there is nothing left to build.
   *
   * @throws dev.strata.api.StrataException.InvalidException if the ledger has no such run of this pipeline
   */
  public RunRequest resumeRequest(Pipeline pipeline, String runId, int parallelism) {
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    RunRecord run = ledger.run(pipeline.name(), runId).orElseThrow(() -> Errors.unknownRun(pipeline.name(), runId, ctx.warehouse().root()));
    List<Partition> partitions = run.scope().partitions();
    Set<String> tables =
        run.scope().tables().isEmpty()
            ? pipeline.tablesInOrder().stream().map(TableDefinition::name).collect(java.util.stream.Collectors.toSet())
            : new java.util.HashSet<>(run.scope().tables());
    Set<UnitId> done = new java.util.HashSet<>();
    for (UnitState unit : ledger.latestBuilds(pipeline.name())) {
      if (unit.latest().published() && unit.latest().runId().equals(runId)) {
        done.add(unit.unit());
      }
    }
    long all = 0;
    long todo = 0;
    for (String t : tables) {
      for (Partition d : RunRequest.partitionsOf(pipeline.table(t).granularity(), partitions)) {
        all++;
        todo += done.contains(RunRequest.unit(t, d)) ? 0 : 1;
      }
    }
    // Its deliveries that failed, of partitions it published that are still as it published them.
    Set<RunRequest.Redelivery> owed = new java.util.LinkedHashSet<>();
    for (dev.strata.jobs.ledger.DeliveryRecord d : ledger.latestDeliveries(pipeline.name())) {
      UnitId unit = RunRequest.unit(d.table(), d.partition());
      if (!d.delivered() && d.runId().equals(runId) && done.contains(unit)
          && pipeline.table(d.table()).outputs().stream().anyMatch(o -> o.name().equals(d.output()))) {
        owed.add(new RunRequest.Redelivery(unit, d.output()));
      }
    }
    ctx.out().printf(
        "Resuming run %s (%s): %d of %d table partitions still to build; the %d it published are kept%s.%n",
        runId, run.status(), todo, all, done.size(), owed.isEmpty() ? "" : "; " + owed.size() + " deliver" + (owed.size() == 1 ? "y" : "ies")
            + " to make again (" + owed.stream().map(o -> o.unit().table() + " " + o.unit().partition() + " to " + o.output())
            .collect(java.util.stream.Collectors.joining(", ")) + ")");
    if (todo == 0 && owed.isEmpty()) {
      ctx.out().println("Nothing to resume: every table partition of that run is published, and delivered.");
      return null;
    }
    return new RunRequest(partitions, java.util.Optional.empty(), tables, "cli").withParallelism(parallelism).withSkip(done).resuming(runId)
        .withRedeliveries(owed);
  }

  /**
   * The request of an incremental run (no dates given): the table partitions that are out of date,
   * and nothing else. A bronze table partition is out of date when its source has files there that
   * the ledger has not recorded it ingesting (new, changed or removed files, or a partition never
   * ingested); any other table partition when an input published it after the table last built it;
   * and everything downstream of a partition rebuilt in the same run.
   *
   * <p>With {@code fullRefresh}, every partition any source has files for, every table.
   *
   * @param base the layer, tables, trigger and parallelism to keep
   * @return the request, or null (after saying so) if nothing is out of date
   */
  public RunRequest incrementalRequest(Pipeline pipeline, RunRequest base, boolean fullRefresh, boolean force) {
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    Landing landing = new Landing(ctx.warehouse(), ctx.files());
    List<TableDefinition> tables = pipeline.tablesInOrder().stream().filter(t -> base.includes(t.name(), t.layer())).toList();
    // What is new on a topic lands first, as files the planning below finds like any others.
    pullStreams(pipeline, tables);
    Map<String, Map<Partition, Landing.Change>> changes = new LinkedHashMap<>();
    java.util.TreeSet<Partition> candidates = new java.util.TreeSet<>();
    for (TableDefinition t : tables) {
      for (String input : t.inputs()) {
        pipeline.definition().source(input).filter(s -> !changes.containsKey(s.name())).ifPresent(s -> {
          Map<Partition, Landing.Change> bySource = new java.util.TreeMap<>();
          for (Landing.Change c : landing.changes(s, ledger.ingested(pipeline.name(), s.name()), sourceReader(pipeline))) {
            bySource.put(c.partition(), c);
            if (fullRefresh || c.any()) {
              candidates.add(c.partition());
            }
          }
          changes.put(s.name(), bySource);
        });
      }
    }
    if (fullRefresh) {
      List<String> histories = tables.stream().filter(TableDefinition::isHistory).map(TableDefinition::name).toList();
      Errors.check(
          histories.isEmpty() || force,
          "Cannot full-refresh %s: %s keep%s history (SCD2) that a full refresh rebuilds from the snapshots still"
              + " landed, losing any version whose snapshot is gone. Add --force to do it anyway, or leave them out with --tables.",
          pipeline.name(), histories, histories.size() == 1 ? "s" : "");
      ctx.out().printf("Full refresh: every table, over the %d partition%s the sources have files for (%s).%n",
          candidates.size(), candidates.size() == 1 ? "" : "s", RunRequest.describe(List.copyOf(candidates)));
      return candidates.isEmpty() ? null : base.withPartitions(List.copyOf(candidates)).withSkip(Set.of()).withRebuildHistory(force);
    }
    changes.values().forEach(bySource -> bySource.values().stream().filter(Landing.Change::any)
        .forEach(c -> ctx.out().println("  landing: " + c.describe())));
    // When each table partition was last built, and last published, by any run.
    Map<UnitId, Instant> lastBuilt = new java.util.HashMap<>();
    Map<UnitId, Instant> lastPublished = new java.util.HashMap<>();
    for (UnitState unit : ledger.latestBuilds(pipeline.name())) {
      lastBuilt.put(unit.unit(), unit.latest().recordedAt());
      unit.lastPublished().ifPresent(p -> lastPublished.put(unit.unit(), p.recordedAt()));
      candidates.add(unit.unit().partition());
    }
    Map<String, java.util.NavigableMap<Partition, Instant>> publishedAt = new java.util.HashMap<>();
    lastPublished.forEach((u, at) -> publishedAt.computeIfAbsent(u.table(), t -> new java.util.TreeMap<>()).put(u.partition(), at));
    Set<UnitId> planned = new java.util.LinkedHashSet<>();
    Map<String, List<Partition>> plannedOf = new java.util.HashMap<>();
    Set<Partition> partitions = new java.util.TreeSet<>();
    // Upstream tables first: a partition is out of date if an input partition sharing its time
    // (the same day, an hour of it, the day it lies in) is planned, has new landing files, or was
    // published after this partition was last built.
    // A table partitioned by event time, and what reads it, are planned by the run itself: the
    // event partitions the landing partitions it builds touch.
    Set<String> dynamic = plannedWhenBuilt(tables);
    for (TableDefinition t : tables) {
      if (dynamic.contains(t.name())) {
        continue;
      }
      for (Partition d : RunRequest.partitionsOf(t.granularity(), candidates)) {
        UnitId unit = RunRequest.unit(t.name(), d);
        Instant mine = lastBuilt.get(unit);
        boolean outOfDate = false;
        for (String input : t.inputs()) {
          Landing.Change c = changes.getOrDefault(input, Map.of()).get(d);
          outOfDate |= c != null && c.any();
          // A partition never built is new only where an input has rows for it: an unpartitioned
          // input (a dimension) shares time with every day, and makes none of a partitioned table's new.
          outOfDate |= plannedOf.getOrDefault(input, List.of()).stream().anyMatch(p -> p.overlaps(d) && (mine != null || newFor(p, d)));
          for (Map.Entry<Partition, Instant> e : publishedAt.getOrDefault(input, new java.util.TreeMap<>()).entrySet()) {
            outOfDate |= e.getKey().overlaps(d) && (mine == null ? newFor(e.getKey(), d) : e.getValue().isAfter(mine));
          }
        }
        if (outOfDate) {
          planned.add(unit);
          plannedOf.computeIfAbsent(t.name(), x -> new ArrayList<>()).add(d);
          partitions.add(d);
        }
      }
    }
    // A topic that could not be pulled: its tables' current partition is planned, to be NOT_READY
    // with the reason (recorded, alerted, the exit code saying so), never a silent "nothing to do".
    for (TableDefinition t : tables) {
      if (t.inputs().stream().anyMatch(unavailable::containsKey) && !t.unpartitioned()) {
        Partition now = Partition.of(t.granularity(), java.time.LocalDateTime.ofInstant(ctx.clock().instant(), java.time.ZoneOffset.UTC));
        planned.add(RunRequest.unit(t.name(), now));
        plannedOf.computeIfAbsent(t.name(), x -> new ArrayList<>()).add(now);
        partitions.add(now);
      }
    }
    if (planned.isEmpty()) {
      ctx.out().println("Nothing to do: no landing file is new or changed, and every table is up to date with its inputs.");
      return null;
    }
    Set<UnitId> skip = new java.util.HashSet<>();
    for (TableDefinition t : tables.stream().filter(x -> !dynamic.contains(x.name())).toList()) {
      RunRequest.partitionsOf(t.granularity(), partitions).stream().map(d -> RunRequest.unit(t.name(), d))
          .filter(u -> !planned.contains(u)).forEach(skip::add);
    }
    plannedIncrementally = true;
    ctx.out().printf("Incremental run: %d table partition%s out of date, over %s.%n",
        planned.size(), planned.size() == 1 ? " is" : "s are", RunRequest.describe(List.copyOf(partitions)));
    return base.withPartitions(List.copyOf(partitions)).withSkip(skip).withRebuildHistory(false);
  }

  /**
   * Builds every (table, partition) unit of the run, each as soon as the units it reads have
   * finished, at most {@code request.parallelism()} at a time, each in its own Spark scheduler pool
   * so that a long build does not starve a short one. A unit whose upstream did not publish is
   * SKIPPED; its siblings carry on.
   *
   * @return one result per unit, in dependency order
   */
  private List<TableBuildResult> schedule(
      Pipeline pipeline, RunRequest request, List<TableDefinition> tables, List<Partition> partitions, String runId,
      TableBuilder builder, Ledger ledger, RunPrinter printer) {
    AtomicInteger threads = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            request.parallelism(),
            r -> {
              Thread t = new Thread(r, "strata-build-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Map<UnitId, CompletableFuture<TableBuildResult>> units = new LinkedHashMap<>();
    Map<String, CompletableFuture<TableBuildResult>> previous = new java.util.HashMap<>();
    PartitionLocks locks =
        new PartitionLocks(ctx.spark().sparkContext().hadoopConfiguration(), ctx.warehouse(), pipeline.name(), runId, ctx.clock());
    try {
      // Upstream tables first, each table's partitions in order: a unit waits for the units of its
      // input tables whose partitions share time with its own (the same day, the hours of a day,
      // the day of an hour; every partition for an unpartitioned table). A table partitioned by
      // event time, and what reads it, are planned once the landing partitions it reads are built:
      // the event partitions their rows touch are known only then.
      Map<String, Map<Partition, CompletableFuture<TableBuildResult>>> byTable = new java.util.HashMap<>();
      Set<String> dynamic = plannedWhenBuilt(tables);
      List<TableDefinition> inOrder = new ArrayList<>(tables.stream().filter(t -> !dynamic.contains(t.name())).toList());
      inOrder.addAll(tables.stream().filter(t -> dynamic.contains(t.name())).toList());
      for (TableDefinition table : inOrder) {
        Map<Partition, String> notes = new java.util.HashMap<>();
        List<Partition> mine = !dynamic.contains(table.name()) ? request.partitionsOf(table.granularity())
            : table.eventTime() != null ? touched(pipeline, request, table, byTable, notes)
            : overlapping(pipeline, table, request, byTable);
        for (Partition partition : mine) {
          if (request.skip().contains(RunRequest.unit(table.name(), partition))) {
            continue;
          }
          List<CompletableFuture<TableBuildResult>> upstream = new ArrayList<>();
          for (String input : table.inputs()) {
            boolean landing = table.eventTime() != null && input.equals(table.rowsFrom());
            Partition last = landing ? LateData.lastLanding(table, partition) : null;
            TableDefinition.Window window = table.reads().get(input);
            byTable.getOrDefault(input, Map.of()).forEach((p, u) -> {
              boolean read = landing ? p.compareTo(partition) >= 0 && p.compareTo(last) <= 0
                  : window != null && !partition.isWhole() && !p.isWhole() ? p.start().isBefore(partition.end())
                      && (window.span() == null || p.end().isAfter(partition.end().minus(window.span())))
                  : p.overlaps(partition);
              if (read) {
                upstream.add(u);
              }
            });
          }
          if (table.isHistory() && previous.containsKey(table.name())) {
            // History is applied one snapshot after the other, in partition order.
            upstream.add(previous.get(table.name()));
          }
          String note = notes.get(partition);
          CompletableFuture<TableBuildResult> unit =
              CompletableFuture.allOf(upstream.toArray(CompletableFuture[]::new))
                  .thenApplyAsync(ignored -> unit(pipeline, request, table, partition, upstream, runId, builder, ledger, locks, printer, note),
                      pool);
          units.put(RunRequest.unit(table.name(), partition), unit);
          byTable.computeIfAbsent(table.name(), t -> new java.util.TreeMap<>()).put(partition, unit);
          previous.put(table.name(), unit);
        }
      }
      // Results by partition, then by table in dependency order.
      List<String> order = tables.stream().map(TableDefinition::name).toList();
      List<UnitId> sorted = new ArrayList<>(units.keySet());
      sorted.sort(java.util.Comparator.comparing(UnitId::partition).thenComparing(u -> order.indexOf(u.table())));
      List<TableBuildResult> builds = new ArrayList<>();
      RuntimeException bookkeeping = null;
      for (CompletableFuture<TableBuildResult> unit : sorted.stream().map(units::get).toList()) {
        try {
          builds.add(unit.join());
        } catch (CompletionException e) {
          // Only the engine's own bookkeeping throws here (a build's failure is its result): the
          // ledger could not be written even after retries. The units already under way finish
          // (their commits are atomic either way), the ones that read this one never start.
          if (bookkeeping == null) {
            bookkeeping = e.getCause() instanceof RuntimeException re ? re : e;
          }
        }
      }
      if (bookkeeping != null) {
        throw bookkeeping;
      }
      redeliver(pipeline, request, builds, builder, locks);
      return builds;
    } finally {
      pool.shutdownNow();
      locks.close();
    }
  }

  /**
   * The deliveries a resumed run owes: those of the run it resumes that failed, of partitions it
   * published that this run did not build again (a partition built again was delivered with its
   * build), each under its partition's lease, from the table's latest version.
   */
  private void redeliver(Pipeline pipeline, RunRequest request, List<TableBuildResult> builds, TableBuilder builder, PartitionLocks locks) {
    Set<UnitId> built = new java.util.HashSet<>();
    builds.forEach(b -> built.add(RunRequest.unit(b.table(), b.partition())));
    Map<UnitId, Set<String>> owed = new java.util.TreeMap<>();
    request.redeliveries().forEach(d -> owed.computeIfAbsent(d.unit(), u -> new java.util.TreeSet<>()).add(d.output()));
    for (Map.Entry<UnitId, Set<String>> e : owed.entrySet()) {
      UnitId u = e.getKey();
      if (built.contains(u)) {
        continue;
      }
      TableDefinition table = pipeline.table(u.table());
      try {
        locks.acquire(u.table(), u.partition(), request.lockTimeout());
      } catch (StrataException.LockedException locked) {
        ctx.out().printf("  %s %s: not delivered again: %s%n", u.table(), u.partition(), locked.getMessage());
        continue;
      }
      try {
        builder.deliveries().deliver(table, u.partition(), builder.deliveries().latestVersion(table), e.getValue());
      } finally {
        locks.release(u.table(), u.partition());
      }
    }
  }

  /**
   * The tables whose partitions a run knows only as it builds: those partitioned by event time
   * (the event partitions their landing partitions touch) and every table that reads one.
   *
   * @param tables in dependency order
   */
  private static Set<String> plannedWhenBuilt(List<TableDefinition> tables) {
    Set<String> dynamic = new java.util.HashSet<>();
    for (TableDefinition t : tables) {
      if (t.eventTime() != null || t.inputs().stream().anyMatch(dynamic::contains)) {
        dynamic.add(t.name());
      }
    }
    return dynamic;
  }

  /** Whether an input's partition {@code input} brings rows to a partition {@code d} never built: unless a dimension (unpartitioned) feeds a partitioned table. */
  private static boolean newFor(Partition input, Partition d) {
    return !input.isWhole() || d.isWhole();
  }

  /** A published build with what made the run build it, when the run did not ask for its partition. */
  private static TableBuildResult noted(TableBuildResult built, String note) {
    if (note == null || built.status() != BuildStatus.PUBLISHED) {
      return built;
    }
    return built.withMessage(built.message().isEmpty() ? note : note + "; " + built.message());
  }

  /**
   * The partitions of a table partitioned by event time that this run builds: those the rows of
   * the landing partitions it reads touch ({@link LateData#touched}), once each. The landing
   * partitions are those this run built of its input (once they are published), or, if the run
   * does not build that input, those the run asks for. {@code notes} gets, for each partition the
   * run did not ask for, the landing partitions whose late rows made it build it.
   */
  private List<Partition> touched(Pipeline pipeline, RunRequest request, TableDefinition table,
      Map<String, Map<Partition, CompletableFuture<TableBuildResult>>> byTable, Map<Partition, String> notes) {
    TableDefinition input = pipeline.table(table.rowsFrom());
    Map<Partition, CompletableFuture<TableBuildResult>> built = byTable.get(input.name());
    java.util.Collection<Partition> landings = request.includes(input.name(), input.layer())
        ? (built == null ? List.of() : built.keySet()) : request.partitionsOf(input.granularity());
    java.util.TreeMap<Partition, java.util.TreeSet<Partition>> from = new java.util.TreeMap<>();
    for (Partition landing : landings) {
      if (built != null && built.containsKey(landing)) {
        try {
          if (built.get(landing).join().status() != BuildStatus.PUBLISHED) {
            continue; // its rows are not published: what reads them is skipped below
          }
        } catch (CompletionException e) {
          continue; // the bookkeeping failure surfaces when the results are gathered
        }
      }
      java.util.Optional<org.apache.spark.sql.Dataset<org.apache.spark.sql.Row>> rows =
          DeltaTables.read(ctx.spark(), ctx.warehouse().tablePath(input.layer(), input.name()), input.partitionColumn(), landing);
      if (rows.isEmpty()) {
        continue;
      }
      for (Partition p : LateData.touched(table, rows.get(), landing)) {
        from.computeIfAbsent(p, x -> new java.util.TreeSet<>()).add(landing);
      }
    }
    Set<Partition> asked = Set.copyOf(request.partitionsOf(table.granularity()));
    from.forEach((p, ls) -> {
      if (!asked.contains(p)) {
        notes.put(p, "late data: rows for " + p + " landed in " + ls.stream().map(Partition::toString).collect(java.util.stream.Collectors.joining(", ")));
      }
    });
    return List.copyOf(from.keySet());
  }

  /**
   * The partitions of a table downstream of one partitioned by event time: those that share time
   * with what this run builds of its input tables (what the run asks for if it includes none of them).
   */
  private static List<Partition> overlapping(Pipeline pipeline, TableDefinition table, RunRequest request,
      Map<String, Map<Partition, CompletableFuture<TableBuildResult>>> byTable) {
    java.util.TreeSet<Partition> inputs = new java.util.TreeSet<>();
    boolean anyInRun = false;
    // A window over an input (reads: all, or 30d) reaches later partitions: those up to the last
    // this run builds or asks for.
    java.time.LocalDateTime bound = request.partitions().stream().filter(p -> !p.isWhole()).map(Partition::end)
        .max(java.util.Comparator.naturalOrder()).orElse(java.time.LocalDateTime.MIN);
    for (Map<Partition, CompletableFuture<TableBuildResult>> built : byTable.values()) {
      for (Partition p : built.keySet()) {
        bound = p.isWhole() || p.end().isBefore(bound) ? bound : p.end();
      }
    }
    for (String i : table.inputs()) {
      if (pipeline.isTable(i) && request.includes(i, pipeline.table(i).layer())) {
        anyInRun = true;
        TableDefinition.Window window = table.reads().get(i);
        for (Partition q : byTable.getOrDefault(i, Map.of()).keySet()) {
          inputs.add(q);
          if (window != null && !q.isWhole() && !table.unpartitioned()) {
            java.time.LocalDateTime limit = window.span() == null || q.start().plus(window.span()).isAfter(bound) ? bound
                : q.start().plus(window.span());
            for (Partition p = Partition.of(table.granularity(), q.start()); p.start().isBefore(limit); p = p.next()) {
              inputs.add(p);
            }
          }
        }
      }
    }
    return RunRequest.partitionsOf(table.granularity(), anyInRun ? inputs : request.partitions());
  }

  /**
   * One unit: skipped if an upstream unit did not publish; otherwise built under the table
   * partition's lease, which is held until the ledger has the outcome; {@code note} (or null) says
   * why the run builds a partition it was not asked for.
   */
  private TableBuildResult unit(
      Pipeline pipeline, RunRequest request, TableDefinition table, Partition partition, List<CompletableFuture<TableBuildResult>> upstream,
      String runId, TableBuilder builder, Ledger ledger, PartitionLocks locks, RunPrinter printer, String note) {
    TableBuildResult blocking =
        upstream.stream().map(CompletableFuture::join).filter(u -> u.status() != BuildStatus.PUBLISHED).findFirst().orElse(null);
    if (blocking != null) {
      String blocker = blocking.table();
      return record(pipeline, runId, ledger, printer,
          TableBuildResult.skipped(table.name(), table.layer(), partition, blocker,
              "not built: upstream '" + blocker + "' did not publish " + blocking.partition()));
    }
    Instant waiting = ctx.clock().instant();
    try {
      locks.acquire(table.name(), partition, request.lockTimeout());
    } catch (StrataException.LockedException e) {
      return record(pipeline, runId, ledger, printer,
          TableBuildResult.builder(table.name(), table.layer(), partition, BuildStatus.LOCKED)
              .duration(Duration.between(waiting, ctx.clock().instant())).message(e.getMessage()).attempt(1).build());
    }
    try {
      builder.lineage().buildStarted(runId, table, partition, ctx.clock().instant());
      TableBuildResult built =
          record(pipeline, runId, ledger, printer, noted(buildWithRetries(pipeline, request, table, partition, runId, builder, ledger, printer), note));
      builder.lineage().buildEnded(runId, table, built, ctx.clock().instant());
      builder.recorded(built);
      if (built.status() == BuildStatus.PUBLISHED) {
        // Under the partition's lease still: no other run replaces it while it is delivered.
        builder.deliveries().deliver(table, partition, built.deltaVersion(), null);
      }
      return built;
    } finally {
      locks.release(table.name(), partition);
    }
  }

  /** Records a unit's outcome in the ledger and prints it. */
  private TableBuildResult record(Pipeline pipeline, String runId, Ledger ledger, RunPrinter printer, TableBuildResult built) {
    TableBuildResult result = ingested(pipeline, runId, ledger, built);
    recordAttempt(pipeline, runId, ledger, result);
    printer.build(result);
    return result;
  }

  /** Records one build attempt in the ledger, retrying the ledger write itself if it fails transiently. */
  private void recordAttempt(Pipeline pipeline, String runId, Ledger ledger, TableBuildResult result) {
    try {
      Retrier.run(Retrier.BOOKKEEPING, "record " + result.table() + " " + result.partition() + " in the ledger", () -> {
        ctx.steps().run("record-build", result.table(), () -> ledger.buildFinished(runId, pipeline.name(), result, ctx.clock().instant()));
      });
    } catch (RuntimeException failure) {
      StrataException e = failure instanceof StrataException se ? se : new StrataException.JobFailedException(
          "Cannot record " + result.table() + " " + result.partition() + " in the ledger: " + Errors.rootMessage(failure) + ".", failure);
      if (result.status() != BuildStatus.PUBLISHED) {
        throw e;
      }
      throw new StrataException.JobFailedException(
          e.getMessage() + " The build of " + result.table() + " " + result.partition() + " itself was published (Delta version "
              + result.deltaVersion() + ") and stays; until the ledger records a build of that partition, builds that read it"
              + " refuse to (exit 5). Once the storage is back, run the partition again: strata run " + pipeline.name() + " --date "
              + result.partition() + " --tables " + result.table() + "+", e.getCause());
    }
  }

  /** Builds a unit, again after each transient failure as the table's retry policy allows; every attempt goes in the ledger. */
  private TableBuildResult buildWithRetries(
      Pipeline pipeline, RunRequest request, TableDefinition table, Partition partition, String runId, TableBuilder builder, Ledger ledger,
      RunPrinter printer) {
    RetryPolicy policy = table.retry();
    ctx.spark().sparkContext().setLocalProperty("spark.scheduler.pool", Thread.currentThread().getName());
    boolean rebuild = request.rebuildHistory() && partition.equals(request.partitions().get(0));
    return Retrier.attempts(
        policy,
        attempt -> builder.build(table, partition, rebuild, attempt).withAttempt(attempt),
        result -> result.status() == BuildStatus.FAILED && result.retryable(),
        (result, attempt, wait) -> {
          TableBuildResult failed =
              result.withMessage(
                  result.message() + " [transient; attempt " + attempt + " of " + policy.maxAttempts() + ", retrying in "
                      + Durations.format(wait) + "]");
          recordAttempt(pipeline, runId, ledger, failed);
          printer.retrying(failed, policy.maxAttempts(), Durations.format(wait));
        });
  }

  /**
   * Earlier runs of the pipeline over any of these partitions that never recorded their end: still
   * running elsewhere, or killed. What such a run published stands (each build is its own commit);
   * the note says so, and how to see it, before this run builds the same partitions again.
   */
  private List<String> unfinishedRuns(Ledger ledger, Pipeline pipeline, List<Partition> partitions) {
    List<String> notes = new ArrayList<>();
    Set<Partition> ours = Set.copyOf(partitions);
    try {
      for (RunRecord r : ledger.runs(pipeline.name()).stream().filter(RunRecord::running).limit(20).toList()) {
        if (r.scope().partitions().stream().noneMatch(ours::contains)) {
          continue;
        }
        String id = r.runId();
        notes.add("Note: run " + id + " (started " + java.sql.Timestamp.from(r.startedAt()) + ") never recorded its end: it is still running"
            + " elsewhere, or it was killed. What it published stands; this run builds the partitions it shares with it again."
            + " Its builds: " + ctx.invocation().command("history", pipeline.name(), "--limit", "20")
            + "; to build only what it did not publish: " + ctx.invocation().command("run", pipeline.name(), "--resume", id));
      }
    } catch (RuntimeException e) {
      // A note only: the ledger was checked readable above, and the run records its own outcome regardless.
    }
    return notes;
  }

  /** The freshness of every source with a freshness rule that the run's tables read, as the run starts. */
  private Map<String, Sensors.Freshness> freshness(Pipeline pipeline, List<TableDefinition> tables) {
    Sensors sensors = new Sensors(ctx.spark().sparkContext().hadoopConfiguration(), ctx.warehouse(), ctx.clock());
    Map<String, Sensors.Freshness> found = new LinkedHashMap<>();
    for (TableDefinition t : tables) {
      for (String input : t.inputs()) {
        pipeline.definition().source(input).filter(s -> s.freshness() != null)
            .ifPresent(s -> found.computeIfAbsent(input, i -> sensors.freshness(ctx.spark(), s)));
      }
    }
    return found;
  }

  private void preflight(SourceReader reader, Pipeline pipeline, List<TableDefinition> tables, List<Partition> partitions, RunRequest request) {
    // Each source for every partition a table reading it builds (a bronze table's partitions are its source's).
    Map<String, java.util.TreeSet<Partition>> needed = new LinkedHashMap<>();
    for (TableDefinition t : tables) {
      List<Partition> mine = RunRequest.partitionsOf(t.granularity(), partitions).stream()
          .filter(p -> !request.skip().contains(RunRequest.unit(t.name(), p))).toList();
      // A source this run could not reach (a pull that failed, an open circuit) is not looked at:
      // its tables wait, NOT_READY with the reason, whatever its folders hold.
      t.inputs().stream().filter(i -> pipeline.definition().source(i).isPresent() && !unavailable.containsKey(i))
          .forEach(i -> needed.computeIfAbsent(i, x -> new java.util.TreeSet<>()).addAll(mine));
    }
    for (Partition partition : new java.util.TreeSet<>(needed.values().stream().flatMap(Set::stream).toList())) {
      for (Map.Entry<String, java.util.TreeSet<Partition>> e : needed.entrySet()) {
        if (e.getValue().contains(partition)) {
          reader.check(pipeline.definition().source(e.getKey()).orElseThrow(), partition);
        }
      }
    }
  }
}

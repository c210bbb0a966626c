package dev.strata.jobs.engine;


import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.InputResolver.Inputs;
import dev.strata.jobs.engine.SplitWriter.Written;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.SourceReader;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.run.RowCounts;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.jobs.write.PartitionWrite;
import dev.strata.quality.GateResult;
import dev.strata.quality.RuleResult;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Builds one partition of one table, as a lifecycle of phases, each an object of its own: resolve
 * the inputs ({@link InputResolver}), write the split rows ({@link SplitWriter}), check them
 * ({@link BuildGate}), then publish or abort ({@link Publisher}); a history table's build is
 * {@link HistoryBuilder}'s. What every build of the run shares is its {@link RunScope}.
 *
 * <p>Each build runs in its own child session ({@link SparkSession#newSession()}), so that the
 * temporary views a SQL transform reads its inputs from never collide with another build's.
 */
final class TableBuilder {
  private final RunScope run;
  private final InputResolver inputs;
  private final SplitWriter writer;
  private final BuildGate gates;
  private final Publisher publisher;
  private final HistoryBuilder history;
  private final Deliveries deliveries;
  private final ExternalSteps steps;
  private final dev.strata.jobs.openlineage.LineageEvents lineage;

  TableBuilder(
      EngineContext ctx, Pipeline pipeline, String runId, Instant runStart, SourceReader sources, Ledger ledger,
      Map<String, Sensors.Freshness> freshness, List<Partition> runPartitions, Deliveries deliveries,
      dev.strata.jobs.openlineage.LineageEvents lineage, Map<String, String> unavailableSources) {
    this.lineage = lineage;
    this.run = new RunScope(ctx, pipeline, runId, Timestamp.from(runStart), sources, ledger, freshness, runPartitions,
        java.util.concurrent.ConcurrentHashMap.newKeySet(), dev.strata.jobs.io.TableCatalog.of(ctx.spark(), pipeline.definition(), ctx.env()),
        Map.copyOf(unavailableSources), java.util.concurrent.ConcurrentHashMap.newKeySet());
    this.inputs = new InputResolver(run);
    this.writer = new SplitWriter(run);
    this.gates = new BuildGate(run);
    this.publisher = new Publisher(run);
    this.history = new HistoryBuilder(run, inputs);
    this.steps = new ExternalSteps(run);
    this.deliveries = deliveries;
  }

  /** The run's deliveries to the tables' outputs. */
  Deliveries deliveries() {
    return deliveries;
  }

  /** The run's OpenLineage events (none unless configured). */
  dev.strata.jobs.openlineage.LineageEvents lineage() {
    return lineage;
  }


  /**
   * Builds one table partition.
   *
   * @param rebuildHistory for a history table: start it again from this partition (a forced full
   *     refresh) instead of applying the partition to what it holds
   */
  TableBuildResult build(TableDefinition table, Partition partition, boolean rebuildHistory) {
    return build(table, partition, rebuildHistory, 1);
  }

  /** {@link #build(TableDefinition, Partition, boolean)} as the {@code attempt}-th attempt (from 1) of the unit. */
  TableBuildResult build(TableDefinition table, Partition partition, boolean rebuildHistory, int attempt) {
    Instant start = run.ctx().clock().instant();
    SparkSession session = run.ctx().spark().newSession();
    // With column pruning, Spark's CSV parser checks only the columns a query needs, so whether a
    // line counts as malformed would depend on the query; every count must see the same rows.
    session.conf().set("spark.sql.csv.parser.columnPruning.enabled", "false");
    // A build's replaceWhere is always its partition's predicate: take Delta's metadata-only path
    // (remove the partition's files, check every new file is in it) rather than the general one,
    // which runs a DELETE and with it a full reconstruction of the table's state on every commit.
    session.conf().set("spark.databricks.delta.replaceWhere.dataColumns.enabled", "false");
    // A build writes one partition: Spark would sort every row by the partition column before
    // writing (a full external sort of rows that all have one value); with a writer per partition
    // open at once it writes them as they come.
    session.conf().set("spark.sql.maxConcurrentOutputFileWriters", "4");
    // Strata's own settings (spark.strata.*) set on the session at run time, in a notebook say,
    // reach the build's: a child session starts from the cluster's configuration only.
    scala.collection.JavaConverters.mapAsJavaMap(run.ctx().spark().conf().getAll()).forEach((k, v) -> {
      if (k.startsWith("spark.strata.")) {
        session.conf().set(k, v);
      }
    });
    SparkSession.setActiveSession(session);
    session.sparkContext().setJobGroup(run.runId(), table.name() + " " + partition, false);
    // Every commit this build makes says so in the table's history (and lets it find its commit again).
    session.conf().set(DeltaTables.COMMIT_USER_METADATA, "strata run " + run.runId() + ": " + table.name() + " " + partition);
    String staging = run.ctx().warehouse().stagingPath(run.runId(), table.name(), partition);
    // The write under way, if any: aborted (its unpublished files deleted) if the build fails.
    PartitionWrite[] underWay = new PartitionWrite[1];
    try {
      // A table whose log went missing since the run's preflight fails here, before anything is read or written.
      DeltaTables.exists(session, run.ctx().warehouse().tablePath(table.layer(), table.name()));
      // 0. A source this run could not reach (its pull failed): the table waits, keeping what it published.
      for (String input : table.inputs()) {
        String why = run.unavailableSources().get(input);
        if (why != null) {
          return run.result(table, partition, BuildStatus.NOT_READY, RowCounts.NONE, -1, start, new GateResult(List.of()),
              "Cannot build '" + table.name() + "' for " + partition + ": " + why + ". The table keeps its published rows; the next run tries again.");
        }
      }
      // 1. Resolve the inputs: their contracts first (a stale or drifted input refuses the build), then their rows.
      GateResult contracts = inputs.freshnessRules(session, table);
      if (!contracts.passed()) {
        RuleResult stale = contracts.blocking().get(0);
        return run.result(table, partition, BuildStatus.NOT_READY, RowCounts.NONE, -1, start, contracts,
            "Cannot build '" + table.name() + "' for " + partition + ": " + stale.message()
                + ". Check the producer; the table keeps its published rows.");
      }
      if (table.isHistory()) {
        return history.build(session, table, partition, start, staging, rebuildHistory);
      }
      GateResult drift = inputs.driftRules(table, partition);
      contracts = new GateResult(concat(contracts.results(), drift.results()));
      if (!drift.passed()) {
        RuleResult breaking = drift.blocking().get(0);
        return run.result(table, partition, BuildStatus.BLOCKED, RowCounts.NONE, -1, start, contracts,
            "Cannot build '" + table.name() + "' for " + partition + ": " + breaking.message());
      }
      Inputs read = inputs.readInputs(session, table, partition, contracts);
      // 2. Write: the transform's rows (or what the table's external step wrote), computed once
      // into a partition write; everything after reads what was written.
      ExternalSteps.Outcome step = table.step() == null ? null : steps.run(session, table, partition, read.rows(), staging, attempt);
      Written written = step == null
          ? writer.write(session, table, partition, read, staging, w -> underWay[0] = w)
          : writer.write(session, table, partition, read, staging, w -> underWay[0] = w, step.rows());
      // 3. Check: the gate over the rows that would be published.
      GateResult gate = gates.check(table, partition, read, written);
      // 4. Publish, or abort.
      TableBuildResult result = gate.passed()
          ? publisher.publish(session, table, partition, read, written, gate, staging, start)
          : publisher.abort(table, partition, written, gate, staging, start);
      return step == null ? result : result.toBuilder().step(step.record()).build();
    } catch (dev.strata.jobs.step.StepFailedException e) {
      cleanUp(staging, underWay[0]);
      return run.failed(table, partition, BuildStatus.FAILED, start, e.getMessage(), e, e.transientFailure()).toBuilder()
          .step(e.record()).build();
    } catch (StrataException e) {
      BuildStatus status =
          e instanceof StrataException.InvalidException ? BuildStatus.INVALID
              : e instanceof StrataException.UpstreamNotReadyException ? BuildStatus.NOT_READY
              : BuildStatus.FAILED;
      cleanUp(staging, underWay[0]);
      TableBuildResult failed = run.failed(table, partition, status, start, e.getMessage(), e, false);
      return e instanceof StrataException.UpstreamNotReadyException u && u.upstream() != null
          ? failed.toBuilder().upstream(u.upstream()).build()
          : failed;
    } catch (Exception e) {
      cleanUp(staging, underWay[0]);
      String message = Errors.buildFailed(table.name(), partition, e.getClass().getSimpleName(), e).getMessage();
      return run.failed(table, partition, BuildStatus.FAILED, start, message, e, Transience.isTransient(e));
    } finally {
      session.sparkContext().clearJobGroup();
    }
  }

  /** Notes a build of this run that published, once the ledger has it: builds reading it need not ask the ledger again. */
  void recorded(TableBuildResult result) {
    if (result.status() == BuildStatus.PUBLISHED) {
      run.publishedInRun().add(RunRequest.unit(result.table(), result.partition()));
      TableDefinition table = run.pipeline().table(result.table());
      if (BuildGate.onlyLate(table, result.counts())) {
        run.noEventsInRun().add(RunRequest.unit(result.table(), result.partition()));
      }
    }
  }

  private void cleanUp(String staging, PartitionWrite unpublished) {
    try {
      run.ctx().files().delete(staging);
    } catch (RuntimeException ignored) {
      // Best effort: staging is under the run's own folder and never read by anyone else.
    }
    if (unpublished != null) {
      try {
        unpublished.abort(null);
      } catch (RuntimeException ignored) {
        // Best effort: files the log does not name are invisible to readers, and VACUUM removes them.
      }
    }
  }

  private static List<RuleResult> concat(List<RuleResult> a, List<RuleResult> b) {
    List<RuleResult> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}

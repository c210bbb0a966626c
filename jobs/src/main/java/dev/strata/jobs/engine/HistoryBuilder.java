package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.not;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.HistoryTable;
import dev.strata.jobs.run.BuildMetrics;
import dev.strata.jobs.run.RowCounts;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.jobs.write.HistoryMerge;
import dev.strata.quality.GateResult;
import dev.strata.quality.KnownMetrics;
import dev.strata.quality.QualityGate;
import dev.strata.quality.RuleResult;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The build of an SCD2 history table, the phases of any build over a history: read the input's
 * snapshot, apply it to the history as a staged tail, gate the whole resulting history, publish
 * with one MERGE.
 */
final class HistoryBuilder {
  private final RunScope run;
  private final InputResolver inputs;

  HistoryBuilder(RunScope run, InputResolver inputs) {
    this.run = run;
    this.inputs = inputs;
  }

  /**
   * Builds an SCD2 history table: applies its input's partition (a full snapshot) to the history,
   * stages the new tail, gates the whole resulting history (one current version per key, no
   * reversed or overlapping intervals, and the table's own rules on the as-of view), and publishes
   * with one MERGE; an unchanged re-run commits nothing.
   */
  TableBuildResult build(
      SparkSession session, TableDefinition table, Partition partition, Instant start, String staging, boolean rebuild) {
    TableDefinition upstream = run.pipeline().table(table.inputs().get(0));
    Dataset<Row> snapshot = inputs.readTable(session, table.name(), upstream, partition).drop(upstream.partitionColumn());
    String path = run.ctx().warehouse().tablePath(table.layer(), table.name());
    Dataset<Row> history = rebuild ? null : DeltaTables.read(session, path, null, null).orElse(null);
    long in = snapshot.count();
    RowCounts counts = new RowCounts(in, in, 0, 0, Map.of(), null);
    BuildMetrics metrics = BuildMeasures.measure(snapshot, table);
    if (history != null && HistoryTable.agrees(history, snapshot, table.history(), partition.date())) {
      // A re-run, or a day without changes: the history already says this. No commit.
      GateResult gate = historyGate(table, upstream, history, snapshot, partition);
      return run.result(table, partition, gate.passed() ? BuildStatus.PUBLISHED : BuildStatus.BLOCKED, counts,
          gate.passed() ? DeltaTables.version(session, path) : -1, start, gate,
          gate.passed() ? "unchanged: the history already holds this snapshot, no new commit" : BuildGate.blockedBy(gate),
          gate.passed() ? metrics.withWrites(0, 0) : metrics);
    }
    if (history != null) {
      Optional<LocalDate> last = HistoryTable.lastEvent(history);
      // Applying an earlier, different snapshot recomputes the history from it: only if this run
      // then applies every later day too.
      if (last.isPresent() && last.get().isAfter(partition.date()) && !run.runPartitions().containsAll(RunRequest.range(partition.date(), last.get()))) {
        throw Errors.historyOutOfOrder(table.name(), partition, last.get());
      }
    }
    Dataset<Row> tail = HistoryTable.applySnapshot(history, snapshot, table.history(), partition.date());
    HistoryMerge merge = HistoryMerge.stage(session, run.target(table, partition), tail, table.history().key(), rebuild, staging + "/tail");
    Dataset<Row> staged = merge.rows();
    Dataset<Row> full = history == null ? staged : history.where(not(HistoryTable.tail(partition.date()))).unionByName(staged);
    GateResult gate = historyGate(table, upstream, full, snapshot, partition);
    if (!gate.passed()) {
      return run.result(table, partition, BuildStatus.BLOCKED, counts, -1, start, gate,
          BuildGate.blockedBy(gate) + "; the new history tail it checked is at " + staging + "/tail", metrics);
    }
    DeltaTables.Commit commit = run.ctx().steps().run("commit", table.name(), merge::commit);
    List<String> warnings = new ArrayList<>();
    run.afterCommit(table, commit, warnings, "cleanup", "delete its staging folder " + staging, () -> run.ctx().files().delete(staging));
    run.register(table, commit, warnings);
    return run.result(table, partition, BuildStatus.PUBLISHED, counts, commit.version(), start, gate, String.join("; ", warnings),
        metrics.withWrites(commit.files(), commit.bytes()));
  }

  /** The invariants of a whole history, and the table's own rules on its view as of the partition. */
  private GateResult historyGate(TableDefinition table, TableDefinition upstream, Dataset<Row> full, Dataset<Row> snapshot, Partition partition) {
    // One pass over the history finds what breaks each invariant.
    Map<String, Long> violations = HistoryTable.violations(full, table.history().key());
    List<RuleResult> results = new ArrayList<>(CheckRunner.evaluate(
        ContractChecks.history(() -> violations, table.where() + " tables." + table.name() + ".history"),
        CheckRunner.input(table.name(), partition, full, -1, Map.of(), java.util.TreeMap::new), table.key(), 0));
    Dataset<Row> asOf = HistoryTable.asOf(full, partition.date());
    results.addAll(QualityGate.evaluate(asOf, run.rules(table, false), Map.of(upstream.name(), snapshot),
        new KnownMetrics(-1, Map.of(), table.key(), -1), run.ctx().invocation().samples()).results());
    return new GateResult(results);
  }
}

package dev.strata.jobs.engine;


import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.SourceReader;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.run.BuildMetrics;
import dev.strata.jobs.run.RowCounts;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.jobs.write.WriteTarget;
import dev.strata.quality.CompiledRule;
import dev.strata.quality.GateResult;
import dev.strata.quality.RuleGroup;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What every build of one run shares, and the helpers its phases have in common: where a build
 * writes, which rules it runs, what its checks see, and its result.
 *
 * @param ingestedAt when the run started: the {@code _ingested_at} of every row a source gives it
 * @param sources the run's reader of landing files (listed once, at its preflight)
 * @param freshness each source's freshness as the run found it when it started
 * @param runPartitions every partition the run builds (a history may only go back if it does all since)
 * @param publishedInRun table partitions this run published, once the ledger has them: builds
 *     reading them need not ask the ledger again
 * @param catalog where published tables are registered by name (or nowhere)
 * @param noEventsInRun partitions of tables partitioned by event time this run published without
 *     a row because the only rows that came in for them landed beyond the lookback (quarantined):
 *     an empty result downstream of them is their true content, not an incident
 */
record RunScope(
    EngineContext ctx, Pipeline pipeline, String runId, Timestamp ingestedAt, SourceReader sources, Ledger ledger,
    Map<String, Sensors.Freshness> freshness, List<Partition> runPartitions, Set<dev.strata.jobs.run.UnitId> publishedInRun,
    dev.strata.jobs.io.TableCatalog catalog, Map<String, String> unavailableSources, Set<dev.strata.jobs.run.UnitId> noEventsInRun) {

  /** After a commit: the table registered by name, its catalog schema in step (a warning of the build if that fails). */
  void register(TableDefinition table, DeltaTables.Commit commit, List<String> warnings) {
    catalog.name(table).ifPresent(name -> afterCommit(table, commit, warnings, "register", "register it in the catalog as " + name,
        () -> catalog.register(table, ctx.warehouse().tablePath(table.layer(), table.name()))));
  }

  List<CompiledRule> rules(TableDefinition table, boolean rowLevel) {
    return pipeline.rules(table.name()).stream()
        .filter(r -> (r.spec().group() == RuleGroup.QUARANTINE) == rowLevel)
        .toList();
  }

  /**
   * Where a build of {@code table} writes: its Delta table; bronze carries the columns a source
   * added (its drift policy accepted them), so its schema grows.
   */
  WriteTarget target(TableDefinition table, Partition partition) {
    boolean bronze = table.layer() == dev.strata.jobs.definition.Layer.BRONZE;
    return new WriteTarget(table.name(), ctx.warehouse().tablePath(table.layer(), table.name()), table.partitionColumn(), partition,
        bronze, bronze ? BRONZE_PROPERTIES : Map.of());
  }

  /**
   * A bronze table is created without per-column statistics (Delta collects minimum, maximum and
   * nulls of the first 32 columns of every file by default; the row count is always kept): it is
   * read a partition at a time, by the layer above, and its columns are the source's text, so
   * statistics would cost about a third of each write (measured, docs/benchmarks.md) and skip
   * nothing. Someone who queries bronze by a column sets {@code delta.dataSkippingNumIndexedCols}
   * or {@code delta.dataSkippingStatsColumns} on it with ALTER TABLE; Strata never sets it again.
   */
  static final Map<String, String> BRONZE_PROPERTIES = Map.of("delta.dataSkippingNumIndexedCols", "0");

  /** What a table's checks see of its build: {@code rows} and its inputs, and the rows its earlier partitions published. */
  dev.strata.api.CheckInput checkInput(
      TableDefinition table, Partition partition, Dataset<Row> rows, long rowCount, Map<String, Dataset<Row>> inputs) {
    return CheckRunner.input(table.name(), partition, rows, rowCount, inputs,
        () -> ledger.acceptedRowCounts(pipeline.name(), table.name(), partition));
  }

  /**
   * One step after a build's commit returned (cleaning up, bookkeeping). The commit stands whatever
   * happens here: a failure of the step is a warning of the published build, recorded in the ledger
   * with it, never a failed build.
   */
  void afterCommit(
      TableDefinition table, DeltaTables.Commit commit, List<String> warnings, String point, String step, Runnable action) {
    try {
      ctx.steps().run(point, table.name(), action);
    } catch (RuntimeException e) {
      warnings.add(TableBuildResult.WARNING + "published as version " + commit.version() + ", but could not " + step + ": "
          + Errors.rootMessage(e));
    }
  }

  TableBuildResult result(
      TableDefinition table, Partition partition, BuildStatus status, RowCounts counts, long version, Instant start, GateResult gate,
      String message) {
    return result(table, partition, status, counts, version, start, gate, message, BuildMetrics.NONE);
  }

  TableBuildResult result(
      TableDefinition table, Partition partition, BuildStatus status, RowCounts counts, long version, Instant start, GateResult gate,
      String message, BuildMetrics metrics) {
    Duration duration = Duration.between(start, ctx.clock().instant());
    // Every gate a build reports (stale input, drift, the table's rules, a history's invariants) is
    // in causal order: the ledger, the reports, the console and the alert read the cause first.
    return TableBuildResult.builder(table.name(), table.layer(), partition, status)
        .counts(counts).deltaVersion(version).duration(duration).gate(gate.inCausalOrder()).message(message).attempt(1).metrics(metrics)
        .build();
  }

  TableBuildResult failed(
      TableDefinition table, Partition partition, BuildStatus status, Instant start, String message, Exception e, boolean retryable) {
    Duration duration = Duration.between(start, ctx.clock().instant());
    Throwable root = e;
    while (root instanceof java.io.UncheckedIOException && root.getCause() != null) {
      root = root.getCause();
    }
    return TableBuildResult.builder(table.name(), table.layer(), partition, status)
        .duration(duration).message(message).attempt(1).failure(root.getClass().getName(), retryable)
        .build();
  }
}

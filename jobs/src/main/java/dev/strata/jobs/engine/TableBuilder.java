package dev.strata.jobs.engine;

import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.jobs.run.RowCounts;
import dev.strata.jobs.run.BuildMetrics;
import dev.strata.api.BuildStatus;


import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;

import dev.strata.jobs.Errors;
import dev.strata.api.StrataException;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.HistoryTable;
import dev.strata.jobs.io.Partitions;
import dev.strata.jobs.io.Quarantine;
import dev.strata.jobs.io.SourceReader;
import dev.strata.jobs.ledger.BuildRecord;
import dev.strata.jobs.write.HistoryMerge;
import dev.strata.jobs.write.PartitionWrite;
import dev.strata.jobs.write.PartitionWrites;
import dev.strata.jobs.write.StagedWrite;
import dev.strata.jobs.write.WriteTarget;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.quality.CompiledRule;
import dev.strata.quality.GateResult;
import dev.strata.quality.KnownMetrics;
import dev.strata.quality.QualityGate;
import dev.strata.quality.RowLevelRules;
import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleResult;
import dev.strata.quality.RuleSpec;
import dev.strata.quality.RuleWords;
import dev.strata.quality.Samples;
import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Builds one partition of one table: read its inputs, apply its transform, stage the result, run
 * its gate, and publish only if the gate passed.
 *
 * <p>Each build runs in its own child session ({@link SparkSession#newSession()}), so that the
 * temporary views a SQL transform reads its inputs from never collide with another build's.
 */
final class TableBuilder {
  private final EngineContext ctx;
  private final Pipeline pipeline;
  private final String runId;
  private final Timestamp ingestedAt;
  private final SourceReader sources;
  private final Ledger ledger;

  private final Map<String, Sensors.Freshness> freshness;
  private final List<LocalDate> runPartitions;
  /** Table partitions this run published (as {@link RunRequest#unit}): the ledger already says so. */
  private final Set<dev.strata.jobs.run.UnitId> publishedInRun = java.util.concurrent.ConcurrentHashMap.newKeySet();

  TableBuilder(
      EngineContext ctx, Pipeline pipeline, String runId, Instant runStart, SourceReader sources, Ledger ledger,
      Map<String, Sensors.Freshness> freshness, List<LocalDate> runPartitions) {
    this.runPartitions = runPartitions;
    this.ledger = ledger;
    this.freshness = freshness;
    this.ctx = ctx;
    this.pipeline = pipeline;
    this.runId = runId;
    this.ingestedAt = Timestamp.from(runStart);
    this.sources = sources;
  }

  /**
   * Builds one table partition.
   *
   * @param rebuildHistory for a history table: start it again from this partition (a forced full
   *     refresh) instead of applying the partition to what it holds
   */
  TableBuildResult build(TableDefinition table, LocalDate partition, boolean rebuildHistory) {
    Instant start = ctx.clock().instant();
    SparkSession session = ctx.spark().newSession();
    // With column pruning, Spark's CSV parser checks only the columns a query needs, so whether a
    // line counts as malformed would depend on the query; every count must see the same rows.
    session.conf().set("spark.sql.csv.parser.columnPruning.enabled", "false");
    // A build's replaceWhere is always its partition's predicate: take Delta's metadata-only path
    // (remove the partition's files, check every new file is in it) rather than the general one,
    // which runs a DELETE and with it a full reconstruction of the table's state on every commit.
    session.conf().set("spark.databricks.delta.replaceWhere.dataColumns.enabled", "false");
    SparkSession.setActiveSession(session);
    session.sparkContext().setJobGroup(runId, table.name() + " " + partition, false);
    // Every commit this build makes says so in the table's history (and lets it find its commit again).
    session.conf().set(DeltaTables.COMMIT_USER_METADATA, "strata run " + runId + ": " + table.name() + " " + partition);
    String staging = ctx.warehouse().stagingPath(runId, table.name(), partition);
    // The write under way, if any: aborted (its unpublished files deleted) if the build fails.
    PartitionWrite[] underWay = new PartitionWrite[1];
    try {
      // A table whose log went missing since the run's preflight fails here, before anything is read or written.
      DeltaTables.exists(session, ctx.warehouse().tablePath(table.layer(), table.name()));
      // 1. Resolve the inputs: their contracts first (a stale or drifted input refuses the build), then their rows.
      GateResult contracts = freshnessRules(session, table);
      if (!contracts.passed()) {
        RuleResult stale = contracts.blocking().get(0);
        return result(table, partition, BuildStatus.NOT_READY, RowCounts.NONE, -1, start, contracts,
            "Cannot build '" + table.name() + "' for " + partition + ": " + stale.message()
                + ". Check the producer; the table keeps its published rows.");
      }
      if (table.isHistory()) {
        return buildHistory(session, table, partition, start, staging, rebuildHistory);
      }
      GateResult drift = driftRules(table, partition);
      contracts = new GateResult(concat(contracts.results(), drift.results()));
      if (!drift.passed()) {
        RuleResult breaking = drift.blocking().get(0);
        return result(table, partition, BuildStatus.BLOCKED, RowCounts.NONE, -1, start, contracts,
            "Cannot build '" + table.name() + "' for " + partition + ": " + breaking.message());
      }
      Inputs inputs = readInputs(session, table, partition, contracts);
      // 2. Write: the transform's rows, computed once into a partition write; everything after reads what was written.
      Written written = write(session, table, partition, inputs, staging, w -> underWay[0] = w);
      // 3. Check: the gate over the rows that would be published.
      GateResult gate = check(table, partition, inputs, written);
      // 4. Publish, or abort.
      return gate.passed()
          ? publish(session, table, partition, inputs, written, gate, staging, start)
          : abort(table, partition, written, gate, staging, start);
    } catch (StrataException e) {
      BuildStatus status =
          e instanceof StrataException.InvalidException ? BuildStatus.INVALID
              : e instanceof StrataException.UpstreamNotReadyException ? BuildStatus.NOT_READY
              : BuildStatus.FAILED;
      cleanUp(staging, underWay[0]);
      TableBuildResult failed = failed(table, partition, status, start, e.getMessage(), e, false);
      return e instanceof StrataException.UpstreamNotReadyException u && u.upstream() != null
          ? new TableBuildResult(failed.table(), failed.layer(), failed.partition(), failed.status(), failed.counts(), -1, failed.duration(),
              failed.gate(), failed.message(), failed.attempt(), failed.errorClass(), false, BuildMetrics.NONE, u.upstream())
          : failed;
    } catch (Exception e) {
      cleanUp(staging, underWay[0]);
      String message = Errors.buildFailed(table.name(), partition, e.getClass().getSimpleName(), e).getMessage();
      return failed(table, partition, BuildStatus.FAILED, start, message, e, Transience.isTransient(e));
    } finally {
      session.sparkContext().clearJobGroup();
    }
  }

  /**
   * What a build reads, resolved (phase 1).
   *
   * @param contracts the freshness and drift rules of its inputs, all passed or warned
   * @param rows each input's rows for the partition
   * @param malformed per source, the lines that could not be read (staged with the source)
   * @param landed per source, its landing files as the run listed them before reading any (its
   *     preflight): what the ledger records as ingested if the build publishes
   */
  private record Inputs(
      GateResult contracts, Map<String, Dataset<Row>> rows, List<Dataset<Row>> malformed, Map<String, List<HadoopFiles.FileInfo>> landed) {}

  /**
   * What a build wrote (phase 2).
   *
   * @param split the partition write of the rows to publish, the rejected rows, and their counts
   * @param counts where every row went, balanced
   * @param rowRules the table's row-level rules
   * @param quarantines whether the build has a quarantine (row-level rules, or input that could not be read)
   * @param checks the checks the table uses, resolved once for the whole build
   */
  private record Written(Split split, RowCounts counts, List<CompiledRule> rowRules, boolean quarantines, List<CheckRunner.Use> checks) {}

  private Inputs readInputs(SparkSession session, TableDefinition table, LocalDate partition, GateResult contracts) {
    Map<String, List<HadoopFiles.FileInfo>> landed = new LinkedHashMap<>();
    for (String input : table.inputs()) {
      pipeline.definition().source(input).ifPresent(s -> landed.put(input, sources.check(s, partition)));
    }
    Map<String, Dataset<Row>> rows = new LinkedHashMap<>();
    List<Dataset<Row>> malformed = new ArrayList<>();
    readInputs(session, table, partition, rows, malformed);
    return new Inputs(contracts, rows, malformed, landed);
  }

  /**
   * Phase 2: applies the transform and writes its rows once, split by the row-level rules into
   * those to publish and those to quarantine, and accounts for every row.
   *
   * @param started told of the write as soon as it exists, so that a failure after it aborts it
   */
  private Written write(
      SparkSession session, TableDefinition table, LocalDate partition, Inputs inputs, String staging,
      java.util.function.Consumer<PartitionWrite> started) {
    Dataset<Row> output = transform(session, table, inputs.rows(), partition);
    List<CompiledRule> rowRules = rules(table, true);
    List<CheckRunner.Use> checks = CheckRunner.uses(table.checks());
    List<CheckRunner.Use> rowChecks = CheckRunner.quarantining(checks);
    List<String> checkTexts = rowChecks.stream().map(CheckRunner.Use::text).toList();
    boolean quarantines = !rowRules.isEmpty() || !rowChecks.isEmpty() || !inputs.malformed().isEmpty();
    Split split;
    if (rowRules.isEmpty() && rowChecks.isEmpty()) {
      // Nothing to split off: write the rows into the table's folder, unpublished, so that
      // publishing them copies nothing (write-audit-publish without a copy).
      List<String> columns = List.of(output.columns());
      PartitionWrite staged =
          PartitionWrites.replace(session, target(table, partition), output, staging + "/output", metricAggregates(columns, table, null));
      started.accept(staged);
      split = Split.none(staged, metrics(staged.aggregates(), 0, columns, table));
    } else if (RowLevelRules.singlePass(rowRules)) {
      // Every rule is a plain predicate (or a join): evaluate them as the output is staged.
      split = split(session, table, partition, CheckRunner.withFailures(RowLevelRules.withFailures(output, rowRules, inputs.rows()), rowChecks,
          checkInput(table, partition, output, -1, inputs)), staging, rowRules, checkTexts);
    } else {
      // Deequ computes metrics in a pass of its own first: stage the output so that pass reads
      // staged rows instead of computing the transform again.
      StagedWrite staged = StagedWrite.stage(session, target(table, partition), output, staging + "/output", List.of());
      split = split(session, table, partition, CheckRunner.withFailures(RowLevelRules.withFailures(staged.rows(), rowRules, inputs.rows()),
          rowChecks, checkInput(table, partition, staged.rows(), staged.rowCount(), inputs)), staging, rowRules, checkTexts);
    }
    if (!inputs.malformed().isEmpty()) {
      split = withMalformed(table, partition, split, inputs.malformed());
    }
    return new Written(split, account(table, partition, inputs.rows(), split), rowRules, quarantines, checks);
  }

  /**
   * Phase 3: the gate, in order of precedence, so that the first failure is the cause: what was
   * read (freshness, drift), then what the split rejected, then the table's own rules, then its
   * volume. The staging pass counted the rows, their nulls and distinct keys: a unique key needs no
   * second look.
   */
  private GateResult check(TableDefinition table, LocalDate partition, Inputs inputs, Written written) {
    Split split = written.split();
    RowCounts counts = written.counts();
    GateResult checked =
        QualityGate.evaluate(split.good().rows(), rules(table, false), inputs.rows(), known(split), ctx.invocation().samples());
    List<RuleResult> ordered = new ArrayList<>(inputs.contracts().results());
    if (written.quarantines()) {
      ordered.add(quarantineRatio(table, counts, split, written.rowRules()));
    }
    ordered.addAll(explainEmpty(checked.results(), table, counts));
    dev.strata.api.CheckInput published = checkInput(table, partition, split.good().rows(), counts.published(), inputs);
    List<CheckRunner.Use> gating = CheckRunner.gating(written.checks());
    if (!gating.isEmpty()) {
      ordered.addAll(explainEmpty(CheckRunner.evaluate(gating, published, table.key(), ctx.invocation().samples()), table, counts));
    }
    if (table.volume() != null) {
      ordered.addAll(CheckRunner.evaluate(CheckRunner.uses(List.of(table.volume().asCheck())), published, table.key(), 0));
    }
    return new GateResult(ordered);
  }

  /** Phase 4, blocked: the write is given up, its rows kept for inspection; the table and its quarantine are untouched. */
  private TableBuildResult abort(TableDefinition table, LocalDate partition, Written written, GateResult gate, String staging, Instant start) {
    try {
      written.split().good().abort(staging + "/output");
    } catch (RuntimeException e) {
      // The verdict stands: unpublished files are invisible to readers, and VACUUM removes them.
    }
    return result(table, partition, BuildStatus.BLOCKED, written.counts(), -1, start, gate,
        blockedBy(gate) + "; the rows it checked are at " + staging, written.split().metrics());
  }

  /**
   * Phase 4, passed: the rejected rows replace the partition's quarantine, then the write commits,
   * then the bookkeeping after it (cleanup, the landing files it read), whose failures are warnings
   * of a published build.
   */
  private TableBuildResult publish(
      SparkSession session, TableDefinition table, LocalDate partition, Inputs inputs, Written written, GateResult gate, String staging,
      Instant start) {
    Split split = written.split();
    RowCounts counts = written.counts();
    if (written.quarantines()) {
      // Quarantine first: if the table's commit then failed, a rejected row would be in both
      // places until the re-run, never in neither.
      Dataset<Row> bad =
          split.bad() != null
              ? split.bad()
              : split.good().rows().limit(0).withColumn(Quarantine.FAILED_RULES, array().cast("array<string>"));
      Quarantine.replace(
          session, ctx.warehouse().quarantinePath(table.name()), table.partitionColumn(),
          dateTyped(split.good(), table), partition, bad, counts.quarantined(), runId, ctx.clock().instant());
    }
    PartitionWrite good = split.good();
    DeltaTables.Commit commit = ctx.steps().run("commit", table.name(), good::commit);
    BuildMetrics metrics = split.metrics().withWrites(commit.files(), commit.bytes());
    List<String> warnings = new ArrayList<>();
    afterCommit(table, commit, warnings, "cleanup", "delete its staging folder " + staging, () -> ctx.files().delete(staging));
    for (Map.Entry<String, List<HadoopFiles.FileInfo>> e : inputs.landed().entrySet()) {
      // Without this record the next incremental run ingests the partition again: the same rows, replaced.
      afterCommit(table, commit, warnings, "record-files", "record in the ledger the landing files of " + e.getKey() + " it read",
          () -> Retrier.run(Retrier.BOOKKEEPING, "record the files of " + e.getKey() + " " + partition,
              () -> ledger.filesIngested(runId, pipeline.name(), e.getKey(), table.name(), partition, e.getValue(), ctx.clock().instant())));
    }
    for (dev.strata.jobs.definition.SinkSpec sink : table.sinks()) {
      // The partition as published, to wherever else it goes; a delivery that fails leaves it published.
      afterCommit(table, commit, warnings, "sink", "deliver it to sink '" + sink.sink() + "'", () -> deliver(session, table, partition, commit, sink));
    }
    return result(table, partition, BuildStatus.PUBLISHED, counts, commit.version(), start, gate, String.join("; ", warnings), metrics);
  }

  /**
   * The rows that may be published, the rejected ones, and how many of each, counted from the
   * staged data itself.
   *
   * @param output rows the transform produced
   * @param malformed rows of the input that could not be read (bronze), all rejected
   */
  private record Split(
      PartitionWrite good, Dataset<Row> bad, long output, long published, long quarantined, long malformed, Map<String, Long> byRule,
      BuildMetrics metrics) {
    static Split none(PartitionWrite staged, BuildMetrics metrics) {
      long out = staged.rowCount();
      return new Split(staged, null, out, out, 0, 0, Map.of(), metrics);
    }
  }

  /**
   * Stages rows with their failed row-level rules (one write) and splits them by whether they
   * failed any. The pass that counts the staged rows also counts the good ones and the rows each
   * rule rejected, and measures the good ones.
   */
  private Split split(
      SparkSession session, TableDefinition table, LocalDate partition, Dataset<Row> evaluated, String staging, List<CompiledRule> rowRules,
      List<String> checkTexts) {
    Column failed = size(col(RowLevelRules.FAILED_RULES)).gt(0);
    List<String> columns = java.util.Arrays.stream(evaluated.columns()).filter(c -> !c.equals(RowLevelRules.FAILED_RULES)).toList();
    // Good rows, then the rows each rule rejected (its text is what the failed-rules column holds), then the metrics.
    List<String> ruleTexts = java.util.stream.Stream.concat(rowRules.stream().map(r -> r.spec().text()), checkTexts.stream())
        .distinct().toList();
    List<Column> aggregates = new ArrayList<>(List.of(org.apache.spark.sql.functions.count_if(not(failed))));
    ruleTexts.forEach(t -> aggregates.add(org.apache.spark.sql.functions.count_if(
        org.apache.spark.sql.functions.array_contains(col(RowLevelRules.FAILED_RULES), t))));
    aggregates.addAll(metricAggregates(columns, table, not(failed)));
    StagedWrite all = StagedWrite.stage(session, target(table, partition), evaluated, staging + "/evaluated", aggregates);
    long good = all.aggregates().getLong(0);
    long rejected = all.rowCount() - good;
    Map<String, Long> byRule = new TreeMap<>();
    for (int i = 0; i < ruleTexts.size(); i++) {
      long n = all.aggregates().getLong(1 + i);
      if (n > 0) {
        byRule.put(ruleTexts.get(i), n);
      }
    }
    Dataset<Row> bad = all.rows().where(failed);
    if (byRule.values().stream().mapToLong(Long::longValue).sum() < rejected) {
      // Some failure is listed under another text than a declared rule's (Deequ's own naming,
      // when its normalized text matched no declared one): count what the column says instead.
      byRule = countByRule(bad, Map.of());
    }
    return new Split(all.publishing(all.rows().where(not(failed)).drop(RowLevelRules.FAILED_RULES)), bad, all.rowCount(), good, rejected, 0,
        byRule, metrics(all.aggregates(), 1 + ruleTexts.size(), columns, table));
  }

  /** What the staging pass measured of the rows the gate checks (those it would publish). */
  private static KnownMetrics known(Split split) {
    BuildMetrics m = split.metrics();
    // A table without a key among its columns has no key columns and no duplicate count (-1).
    long distinctKeys = m.keyColumns().isEmpty() ? -1 : split.published() - m.duplicateKeys();
    return new KnownMetrics(split.published(), m.nullCounts(), m.keyColumns(), distinctKeys);
  }

  /** Adds input that could not be read (bronze, already staged with the source) to the rejected rows. */
  private Split withMalformed(TableDefinition table, LocalDate partition, Split split, List<Dataset<Row>> malformed) {
    Dataset<Row> all = malformed.get(0);
    for (Dataset<Row> m : malformed.subList(1, malformed.size())) {
      all = all.unionByName(m, true);
    }
    // Rows read from this partition's landing files belong to it, whatever their own column says.
    all = all.withColumn(table.partitionColumn(), Partitions.literal(dateTyped(split.good(), table), partition));
    long count = all.count();
    if (count == 0) {
      return split;
    }
    Dataset<Row> bad = split.bad() == null ? all : split.bad().unionByName(all, true);
    return new Split(
        split.good(), bad, split.output(), split.published(), split.quarantined() + count, count, countByRule(all, split.byRule()), split.metrics());
  }

  /** Rejected rows per failed rule, added to {@code counted}; one small aggregate is all that reaches the driver. */
  private static Map<String, Long> countByRule(Dataset<Row> rejected, Map<String, Long> counted) {
    Map<String, Long> byRule = new TreeMap<>(counted);
    for (Row r : rejected.select(explode(col(Quarantine.FAILED_RULES)).as("rule")).groupBy("rule").count().collectAsList()) {
      byRule.merge(r.getString(0), r.getLong(1), Long::sum);
    }
    return byRule;
  }

  /**
   * Accounts for every row: {@code in = published + quarantined + filtered}, where {@code in} is
   * the rows of the table's {@code rows_from} input (plus its malformed input) and {@code
   * filtered} what the transform removed. Rows removed without a declared reason, rows the
   * transform multiplied, or counts that do not add up fail the build.
   */
  private RowCounts account(TableDefinition table, LocalDate partition, Map<String, Dataset<Row>> inputs, Split split) {
    long fromInput =
        table.rowsFrom().equals(TableDefinition.AGGREGATE) ? split.output() : inputs.get(table.rowsFrom()).count();
    long filtered = fromInput - split.output();
    if (filtered < 0) {
      throw Errors.rowsMultiplied(table.name(), partition, table.rowsFrom(), fromInput, split.output());
    }
    if (filtered > 0 && table.removes() == null) {
      throw Errors.rowsRemovedWithoutReason(table.name(), partition, table.rowsFrom(), fromInput, split.output());
    }
    RowCounts counts =
        new RowCounts(
            fromInput + split.malformed(), split.published(), split.quarantined(), filtered, split.byRule(),
            filtered > 0 ? table.removes() : null);
    if (!counts.balanced()) {
      throw Errors.rowsUnaccounted(table.name(), partition, counts.in(), counts.published(), counts.quarantined(), counts.filtered());
    }
    return counts;
  }

  /**
   * Builds an SCD2 history table: applies its input's partition (a full snapshot) to the history,
   * stages the new tail, gates the whole resulting history (one current version per key, no
   * reversed or overlapping intervals, and the table's own rules on the as-of view), and publishes
   * with one MERGE; an unchanged re-run commits nothing.
   */
  private TableBuildResult buildHistory(
      SparkSession session, TableDefinition table, LocalDate partition, Instant start, String staging, boolean rebuild) {
    TableDefinition upstream = pipeline.table(table.inputs().get(0));
    Dataset<Row> snapshot = readTable(session, table.name(), upstream, partition).drop(upstream.partitionColumn());
    String path = ctx.warehouse().tablePath(table.layer(), table.name());
    Dataset<Row> history = rebuild ? null : DeltaTables.read(session, path, null, null).orElse(null);
    long in = snapshot.count();
    RowCounts counts = new RowCounts(in, in, 0, 0, Map.of(), null);
    BuildMetrics metrics = measure(snapshot, table);
    if (history != null && HistoryTable.agrees(history, snapshot, table.history(), partition)) {
      // A re-run, or a day without changes: the history already says this. No commit.
      GateResult gate = historyGate(table, upstream, history, snapshot, partition);
      return result(table, partition, gate.passed() ? BuildStatus.PUBLISHED : BuildStatus.BLOCKED, counts,
          gate.passed() ? DeltaTables.version(session, path) : -1, start, gate,
          gate.passed() ? "unchanged: the history already holds this snapshot, no new commit" : blockedBy(gate),
          gate.passed() ? metrics.withWrites(0, 0) : metrics);
    }
    if (history != null) {
      Optional<LocalDate> last = HistoryTable.lastEvent(history);
      // Applying an earlier, different snapshot recomputes the history from it: only if this run
      // then applies every later day too.
      if (last.isPresent() && last.get().isAfter(partition) && !runPartitions.containsAll(RunRequest.range(partition, last.get()))) {
        throw Errors.historyOutOfOrder(table.name(), partition, last.get());
      }
    }
    Dataset<Row> tail = HistoryTable.applySnapshot(history, snapshot, table.history(), partition);
    HistoryMerge merge = HistoryMerge.stage(session, target(table, partition), tail, table.history().key(), rebuild, staging + "/tail");
    Dataset<Row> staged = merge.rows();
    Dataset<Row> full = history == null ? staged : history.where(not(HistoryTable.tail(partition))).unionByName(staged);
    GateResult gate = historyGate(table, upstream, full, snapshot, partition);
    if (!gate.passed()) {
      return result(table, partition, BuildStatus.BLOCKED, counts, -1, start, gate,
          blockedBy(gate) + "; the new history tail it checked is at " + staging + "/tail", metrics);
    }
    DeltaTables.Commit commit = ctx.steps().run("commit", table.name(), merge::commit);
    List<String> warnings = new ArrayList<>();
    afterCommit(table, commit, warnings, "cleanup", "delete its staging folder " + staging, () -> ctx.files().delete(staging));
    return result(table, partition, BuildStatus.PUBLISHED, counts, commit.version(), start, gate, String.join("; ", warnings),
        metrics.withWrites(commit.files(), commit.bytes()));
  }

  /** The invariants of a whole history, and the table's own rules on its view as of the partition. */
  private GateResult historyGate(TableDefinition table, TableDefinition upstream, Dataset<Row> full, Dataset<Row> snapshot, LocalDate partition) {
    // One pass over the history finds what breaks each invariant.
    Map<String, Long> violations = HistoryTable.violations(full, table.history().key());
    List<RuleResult> results = new ArrayList<>(CheckRunner.evaluate(
        ContractChecks.history(() -> violations, table.where() + " tables." + table.name() + ".history"),
        CheckRunner.input(table.name(), partition, full, -1, Map.of(), java.util.TreeMap::new), table.key(), 0));
    Dataset<Row> asOf = HistoryTable.asOf(full, partition);
    results.addAll(QualityGate.evaluate(asOf, rules(table, false), Map.of(upstream.name(), snapshot),
        new KnownMetrics(-1, Map.of(), table.key(), -1), ctx.invocation().samples()).results());
    return new GateResult(results);
  }

  /**
   * The freshness rules of what this table reads: each source's as the run found it when it
   * started, each upstream table's as it is now (after this run published it, if it did).
   */
  private GateResult freshnessRules(SparkSession session, TableDefinition table) {
    List<RuleResult> results = new ArrayList<>();
    for (String input : table.inputs()) {
      Sensors.Freshness f = freshness.get(input);
      if (f == null && pipeline.definition().source(input).isEmpty() && pipeline.table(input).freshness() != null) {
        f = new Sensors(session.sparkContext().hadoopConfiguration(), ctx.warehouse(), ctx.clock())
            .freshness(session, pipeline.name(), pipeline.table(input), ledger);
      }
      if (f != null) {
        results.addAll(freshnessResults(table, f));
      }
    }
    return new GateResult(results);
  }

  /** A freshness rule's results: one per limit it sets, error first. */
  private static List<RuleResult> freshnessResults(TableDefinition table, Sensors.Freshness f) {
    List<CheckRunner.Use> limits = new ArrayList<>();
    if (f.rule().errorAfter() != null) {
      limits.add(ContractChecks.freshness(f, RuleGroup.ERROR, f.rule().errorAfter()));
    }
    if (f.rule().warnAfter() != null) {
      limits.add(ContractChecks.freshness(f, RuleGroup.WARN, f.rule().warnAfter()));
    }
    return CheckRunner.evaluate(limits, CheckRunner.input(table.name(), null, null, -1, Map.of(), java.util.TreeMap::new), List.of(), 0);
  }

  /**
   * A flood of rejected rows is an incident: above the table's ratio, the gate fails. Its failure
   * shows rows rejected by the rule that rejected the most (the message names it first).
   */
  private RuleResult quarantineRatio(TableDefinition table, RowCounts counts, Split split, List<CompiledRule> rowRules) {
    double ratio = counts.in() == 0 ? 0 : (double) counts.quarantined() / counts.in();
    boolean passed = ratio <= table.maxQuarantineRatio();
    String byRule = counts.quarantinedByRule().entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(e -> e.getKey() + " rejected " + String.format(Locale.ROOT, "%,d", e.getValue()))
        .collect(java.util.stream.Collectors.joining(", "));
    String message =
        String.format(Locale.ROOT, "%,d of %,d rows (%s) were quarantined", counts.quarantined(), counts.in(), RuleWords.percent(ratio))
            + (passed ? "" : " (expected at most " + RuleWords.percent(table.maxQuarantineRatio()) + ": max_quarantine_ratio "
                + table.maxQuarantineRatio() + ")")
            + (byRule.isEmpty() ? "" : ": " + byRule);
    RuleSpec spec =
        new RuleSpec(
            "QuarantineRatio <= " + table.maxQuarantineRatio(), RuleGroup.ERROR,
            table.where() + " tables." + table.name() + ".max_quarantine_ratio");
    Map<String, Double> observed = new TreeMap<>();
    observed.put("Table.QuarantinedRows", (double) counts.quarantined());
    observed.put("Table.QuarantineRatio", ratio);
    RuleResult result = new RuleResult(spec, passed, false, message, observed);
    if (passed || split.bad() == null || ctx.invocation().samples() == 0) {
      return result;
    }
    String worst = counts.quarantinedByRule().entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    if (worst == null) {
      return result;
    }
    Dataset<Row> rejected = split.bad().where(org.apache.spark.sql.functions.array_contains(col(Quarantine.FAILED_RULES), worst));
    List<String> columns = java.util.Arrays.asList(rejected.columns());
    if (worst.startsWith("malformed:")) {
      // A line that could not be read has no columns to show: the line itself is the evidence.
      return result.withSamples(Samples.take(rejected, List.of(Quarantine.RAW_LINE), ctx.invocation().samples()).stream()
          .map(line -> "line " + line.substring(Quarantine.RAW_LINE.length() + 1)).toList());
    }
    List<String> shown = rowRules.stream().filter(r -> r.spec().text().equals(worst)).findFirst()
        .map(r -> Samples.columns(r, table.key(), columns))
        .orElse(Samples.columns(null, table.key(), columns));
    return result.withSamples(Samples.take(rejected, shown, ctx.invocation().samples()));
  }

  /**
   * The table's own rules, with the reason there was nothing to check when no row is left to
   * publish: a rule that could not be evaluated says so, and a rule that failed on no rows says
   * where the rows went.
   */
  private static List<RuleResult> explainEmpty(List<RuleResult> results, TableDefinition table, RowCounts counts) {
    if (counts.published() != 0) {
      return results;
    }
    String why = whyEmpty(table, counts);
    return results.stream().map(r -> switch (r.outcome()) {
      case NOT_EVALUATED -> r.withMessage("not evaluated: no rows to check, " + why);
      case FAILED -> r.withMessage(r.message() + "; " + why);
      default -> r;
    }).toList();
  }

  /** Where the rows of a build that has none to publish went, in words. */
  static String whyEmpty(TableDefinition table, RowCounts counts) {
    if (counts.in() == 0) {
      return table.rowsFrom().equals(TableDefinition.AGGREGATE) ? "the transform produced no rows" : "no rows came in from " + table.rowsFrom();
    }
    if (counts.quarantined() == counts.in()) {
      return String.format(Locale.ROOT, "all %,d rows were quarantined", counts.in());
    }
    if (counts.filtered() == counts.in()) {
      return String.format(Locale.ROOT, "all %,d rows were filtered out (%s)", counts.in(), counts.filteredReason());
    }
    return String.format(Locale.ROOT, "of %,d rows, %,d were quarantined and %,d filtered out", counts.in(), counts.quarantined(),
        counts.filtered());
  }

  /** The start of a blocked build's message: the rule that decided, in words. */
  static String blockedBy(GateResult gate) {
    return gate.cause()
        .map(r -> "blocked by " + r.spec().text() + ": " + r.message())
        .orElseGet(() -> "blocked: " + gate.notEvaluated().size() + " rule(s) could not be evaluated ("
            + gate.notEvaluated().stream().map(RuleResult::message).findFirst().orElse("no rows to check") + ")");
  }

  private List<CompiledRule> rules(TableDefinition table, boolean rowLevel) {
    return pipeline.rules(table.name()).stream()
        .filter(r -> (r.spec().group() == RuleGroup.QUARANTINE) == rowLevel)
        .toList();
  }

  /**
   * One step after a build's commit returned (cleaning up, bookkeeping). The commit stands whatever
   * happens here: a failure of the step is a warning of the published build, recorded in the ledger
   * with it, never a failed build.
   */
  private void afterCommit(
      TableDefinition table, DeltaTables.Commit commit, List<String> warnings, String point, String step, Runnable action) {
    try {
      ctx.steps().run(point, table.name(), action);
    } catch (RuntimeException e) {
      warnings.add(TableBuildResult.WARNING + "published as version " + commit.version() + ", but could not " + step + ": "
          + Errors.rootMessage(e));
    }
  }

  private void cleanUp(String staging, PartitionWrite unpublished) {
    try {
      ctx.files().delete(staging);
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

  private void readInputs(
      SparkSession session, TableDefinition table, LocalDate partition, Map<String, Dataset<Row>> inputs, List<Dataset<Row>> malformed) {
    for (String input : table.inputs()) {
      var source = pipeline.definition().source(input);
      if (source.isPresent()) {
        SourceReader.SourceRows read = sources.read(session, source.get(), partition, ingestedAt);
        // Parse the landing files once: the transform, the quarantine and the counts all read this.
        String path = ctx.warehouse().stagingPath(runId, table.name(), partition) + "/source-" + input;
        read.all().write().mode("overwrite").parquet(path);
        Dataset<Row> staged = session.read().parquet(path);
        inputs.put(input, read.rows(staged));
        malformed.add(read.malformed(staged));
      } else {
        inputs.put(input, readTable(session, table.name(), pipeline.table(input), partition));
      }
    }
  }

  private Dataset<Row> readTable(SparkSession session, String reader, TableDefinition upstream, LocalDate partition) {
    String path = ctx.warehouse().tablePath(upstream.layer(), upstream.name());
    // A history table is read as of the partition: each key's version valid that day.
    Optional<Dataset<Row>> rows = DeltaTables.partition(session, ctx.warehouse(), upstream, partition);
    if (publishedInRun.contains(RunRequest.unit(upstream.name(), partition)) && rows.isPresent()) {
      // This run published it and recorded that in the ledger before this build started.
      return rows.get();
    }
    // The ledger decides, not the table's existence: a table can hold an old partition while its
    // latest build of this one was blocked or failed.
    Optional<BuildRecord> latest = ledger.latestBuild(pipeline.name(), upstream.name(), partition);
    if (latest.isEmpty() || rows.isEmpty()) {
      throw Errors.upstreamNeverPublished(reader, upstream.name(), partition, path);
    }
    if (!latest.get().published()) {
      throw Errors.upstreamNotPublished(reader, upstream.name(), partition, latest.get().status(), latest.get().runId(),
          latest.get().recordedAt());
    }
    return rows.get();
  }

  /**
   * Where a build of {@code table} writes: its Delta table; bronze carries the columns a source
   * added (its drift policy accepted them), so its schema grows.
   */
  private WriteTarget target(TableDefinition table, LocalDate partition) {
    return new WriteTarget(table.name(), ctx.warehouse().tablePath(table.layer(), table.name()), table.partitionColumn(), partition,
        table.layer() == dev.strata.jobs.definition.Layer.BRONZE);
  }

  /** Delivers a published partition, as the commit left it, to one of the table's sinks. */
  private void deliver(SparkSession session, TableDefinition table, LocalDate partition, DeltaTables.Commit commit,
      dev.strata.jobs.definition.SinkSpec spec) {
    dev.strata.api.Sink sink = dev.strata.jobs.extension.Extensions.SINKS.named(spec.sink())
        .orElseThrow(() -> new IllegalStateException("sink '" + spec.sink() + "' is no longer on the classpath"));
    String path = ctx.warehouse().tablePath(table.layer(), table.name());
    var reader = session.read().format("delta");
    Dataset<Row> all = (commit.version() >= 0 ? reader.option("versionAsOf", commit.version()) : reader).load(path);
    Dataset<Row> rows = all.where(Partitions.equalTo(all.schema(), table.partitionColumn(), partition));
    sink.deliver(new dev.strata.api.Sink.Delivery(table.name(), dev.strata.api.Partition.day(partition), rows, commit.version(), runId),
        dev.strata.api.Options.of(spec.options(), spec.where() + ".options"));
  }

  /** What a table's checks see of its build: {@code rows} and its inputs, and the rows its earlier partitions published. */
  private dev.strata.api.CheckInput checkInput(TableDefinition table, LocalDate partition, Dataset<Row> rows, long rowCount, Inputs inputs) {
    return CheckRunner.input(table.name(), partition, rows, rowCount, inputs.rows(),
        () -> ledger.acceptedRowCounts(pipeline.name(), table.name(), partition));
  }

  /** Whether the partition column of the rows a write publishes is DATE (else ISO text). */
  private static boolean dateTyped(PartitionWrite write, TableDefinition table) {
    return Partitions.isDate(write.rows().schema().apply(table.partitionColumn()).dataType());
  }

  /** Notes a build of this run that published, once the ledger has it: builds reading it need not ask the ledger again. */
  void recorded(TableBuildResult result) {
    if (result.status() == BuildStatus.PUBLISHED) {
      publishedInRun.add(RunRequest.unit(result.table(), result.partition()));
    }
  }

  private Dataset<Row> transform(
      SparkSession session, TableDefinition table, Map<String, Dataset<Row>> inputs, LocalDate partition) {
    if (table.transformClass() != null) {
      TableTransform transform;
      try {
        transform =
            Class.forName(table.transformClass(), true, Thread.currentThread().getContextClassLoader())
                .asSubclass(TableTransform.class)
                .getConstructor()
                .newInstance();
      } catch (ReflectiveOperationException e) {
        throw Errors.buildFailed(table.name(), partition, "cannot create transform " + table.transformClass(), e);
      }
      var spec = table.transform();
      return transform.apply(TransformInputs.of(inputs, dev.strata.api.Partition.day(partition),
          dev.strata.api.Options.of(spec.options(), spec.where() + " tables." + table.name() + ".transform.options")));
    }
    inputs.forEach((name, rows) -> rows.createOrReplaceTempView(name));
    return session.sql(pipeline.sql(table.name()));
  }

  private TableBuildResult result(
      TableDefinition table, LocalDate partition, BuildStatus status, RowCounts counts, long version, Instant start, GateResult gate,
      String message) {
    return result(table, partition, status, counts, version, start, gate, message, BuildMetrics.NONE);
  }

  private TableBuildResult result(
      TableDefinition table, LocalDate partition, BuildStatus status, RowCounts counts, long version, Instant start, GateResult gate,
      String message, BuildMetrics metrics) {
    Duration duration = Duration.between(start, ctx.clock().instant());
    // Every gate a build reports (stale input, drift, the table's rules, a history's invariants) is
    // in causal order: the ledger, the reports, the console and the alert read the cause first.
    return new TableBuildResult(
        table.name(), table.layer(), partition, status, counts, version, duration, gate.inCausalOrder(), message, 1, null, false, metrics);
  }

  /**
   * Null counts per column and duplicates on the key, in one aggregate over {@code rows}: a
   * history's snapshot (every other build computes them in the pass that counts its staged rows).
   */
  static BuildMetrics measure(Dataset<Row> rows, TableDefinition table) {
    List<String> columns = java.util.Arrays.stream(rows.columns()).toList();
    List<Column> aggregates = metricAggregates(columns, table, null);
    Row r = rows.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).head();
    return metrics(r, 0, columns, table);
  }

  /**
   * The aggregates behind {@link BuildMetrics}: per column, its nulls; for a table with a key
   * among the columns, the rows and their distinct keys. Over the rows {@code measured} selects,
   * or all rows if it is null.
   */
  static List<Column> metricAggregates(List<String> columns, TableDefinition table, Column measured) {
    List<Column> aggregates = new ArrayList<>();
    for (String c : columns) {
      Column isNull = col("`" + c + "`").isNull();
      aggregates.add(org.apache.spark.sql.functions.count_if(measured == null ? isNull : isNull.and(measured)));
    }
    if (keyed(columns, table)) {
      Column key = org.apache.spark.sql.functions.struct(table.key().stream().map(k -> col("`" + k + "`")).toArray(Column[]::new));
      aggregates.add(measured == null ? org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1))
          : org.apache.spark.sql.functions.count_if(measured));
      // A struct is never null, so only the rows not measured are left out of the distinct count.
      aggregates.add(org.apache.spark.sql.functions.count_distinct(measured == null ? key : org.apache.spark.sql.functions.when(measured, key)));
    }
    return aggregates;
  }

  /** The metrics from the values of {@link #metricAggregates}, which start at {@code offset} in {@code r}. */
  static BuildMetrics metrics(Row r, int offset, List<String> columns, TableDefinition table) {
    Map<String, Long> nulls = new LinkedHashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      nulls.put(columns.get(i), r.getLong(offset + i));
    }
    boolean keyed = keyed(columns, table);
    long duplicates = keyed ? r.getLong(offset + columns.size()) - r.getLong(offset + columns.size() + 1) : -1;
    return new BuildMetrics(nulls, keyed ? table.key() : List.of(), duplicates, -1, -1);
  }

  private static boolean keyed(List<String> columns, TableDefinition table) {
    return !table.key().isEmpty() && columns.containsAll(table.key());
  }

  /**
   * The schema contract of each source this table ingests: a breaking change (a declared column
   * missing without approval, a type that cannot be cast safely, an added column the policy
   * blocks) fails an error rule; any difference at all fails a warn rule, so that accepted drift is
   * reported too. Both carry the diff; neither appears when the files are as declared.
   */
  private GateResult driftRules(TableDefinition table, LocalDate partition) {
    List<RuleResult> results = new ArrayList<>();
    for (String input : table.inputs()) {
      var source = pipeline.definition().source(input);
      if (source.isEmpty()) {
        continue;
      }
      dev.strata.jobs.io.SchemaDrift diff = sources.drift(source.get(), partition);
      if (!diff.any()) {
        // Files as declared: nothing to report (the rules appear only when there is a difference).
        continue;
      }
      results.addAll(CheckRunner.evaluate(ContractChecks.drift(input, partition, diff, source.get().drift()),
          CheckRunner.input(table.name(), partition, null, -1, Map.of(), java.util.TreeMap::new), List.of(), 0));
    }
    return new GateResult(results);
  }

  private static List<RuleResult> concat(List<RuleResult> a, List<RuleResult> b) {
    List<RuleResult> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private TableBuildResult failed(
      TableDefinition table, LocalDate partition, BuildStatus status, Instant start, String message, Exception e, boolean retryable) {
    Duration duration = Duration.between(start, ctx.clock().instant());
    Throwable root = e;
    while (root instanceof java.io.UncheckedIOException && root.getCause() != null) {
      root = root.getCause();
    }
    return new TableBuildResult(
        table.name(), table.layer(), partition, status, RowCounts.NONE, -1, duration, new GateResult(List.of()), message, 1,
        root.getClass().getName(), retryable);
  }
}

package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;

import dev.strata.api.Partition;
import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.InputResolver.Inputs;
import dev.strata.jobs.io.Partitions;
import dev.strata.jobs.io.Quarantine;
import dev.strata.jobs.run.BuildMetrics;
import dev.strata.jobs.run.RowCounts;
import dev.strata.jobs.write.PartitionWrite;
import dev.strata.jobs.write.PartitionWrites;
import dev.strata.jobs.write.StagedWrite;
import dev.strata.quality.CompiledRule;
import dev.strata.quality.KnownMetrics;
import dev.strata.quality.RowLevelRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Phase 2 of a build: applies the transform and writes its rows once, split by the row-level rules
 * and checks into the rows to publish (a {@link PartitionWrite}, unpublished) and those to
 * quarantine, and accounts for every row ({@code in = published + quarantined + filtered}).
 */
final class SplitWriter {
  private final RunScope run;

  SplitWriter(RunScope run) {
    this.run = run;
  }

  /**
   * What a build wrote (phase 2).
   *
   * @param split the partition write of the rows to publish, the rejected rows, and their counts
   * @param counts where every row went, balanced
   * @param rowRules the table's row-level rules
   * @param quarantines whether the build has a quarantine (row-level rules, or input that could not be read)
   * @param checks the checks the table uses, resolved once for the whole build
   */
  record Written(Split split, RowCounts counts, List<CompiledRule> rowRules, boolean quarantines, List<CheckRunner.Use> checks) {}

  /**
   * The rows that may be published, the rejected ones, and how many of each, counted from the
   * staged data itself.
   *
   * @param output rows the transform produced
   * @param malformed rows of the input that could not be read (bronze), all rejected
   */
  record Split(
      PartitionWrite good, Dataset<Row> bad, long output, long published, long quarantined, long malformed, Map<String, Long> byRule,
      BuildMetrics metrics) {
    static Split none(PartitionWrite staged, BuildMetrics metrics) {
      long out = staged.rowCount();
      return new Split(staged, null, out, out, 0, 0, Map.of(), metrics);
    }
  }

  /**
   * Applies the transform and writes its rows once, split by the row-level rules into
   * those to publish and those to quarantine, and accounts for every row.
   *
   * @param started told of the write as soon as it exists, so that a failure after it aborts it
   */
  Written write(
      SparkSession session, TableDefinition table, Partition partition, Inputs inputs, String staging,
      java.util.function.Consumer<PartitionWrite> started) {
    Dataset<Row> output = transform(session, table, inputs.rows(), partition);
    List<CompiledRule> rowRules = run.rules(table, true);
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
          PartitionWrites.replace(session, run.target(table, partition), output, staging + "/output", BuildMeasures.metricAggregates(columns, table, null));
      started.accept(staged);
      split = Split.none(staged, BuildMeasures.metrics(staged.aggregates(), 0, columns, table));
    } else if (RowLevelRules.singlePass(rowRules)) {
      // Every rule is a plain predicate (or a join): evaluate them as the output is staged.
      split = split(session, table, partition, CheckRunner.withFailures(RowLevelRules.withFailures(output, rowRules, inputs.rows()), rowChecks,
          run.checkInput(table, partition, output, -1, inputs.rows())), staging, rowRules, checkTexts);
    } else {
      // Deequ computes metrics in a pass of its own first: stage the output so that pass reads
      // staged rows instead of computing the transform again.
      StagedWrite staged = StagedWrite.stage(session, run.target(table, partition), output, staging + "/output", List.of());
      split = split(session, table, partition, CheckRunner.withFailures(RowLevelRules.withFailures(staged.rows(), rowRules, inputs.rows()),
          rowChecks, run.checkInput(table, partition, staged.rows(), staged.rowCount(), inputs.rows())), staging, rowRules, checkTexts);
    }
    if (!inputs.malformed().isEmpty()) {
      split = withMalformed(table, partition, split, inputs.malformed());
    }
    return new Written(split, account(table, partition, inputs.rows(), split), rowRules, quarantines, checks);
  }

  private Dataset<Row> transform(
      SparkSession session, TableDefinition table, Map<String, Dataset<Row>> inputs, Partition partition) {
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
      return transform.apply(TransformInputs.of(inputs, partition,
          dev.strata.api.Options.of(spec.options(), spec.where() + " tables." + table.name() + ".transform.options")));
    }
    inputs.forEach((name, rows) -> rows.createOrReplaceTempView(name));
    return session.sql(run.pipeline().sql(table.name()));
  }

  /**
   * Stages rows with their failed row-level rules (one write) and splits them by whether they
   * failed any. The pass that counts the staged rows also counts the good ones and the rows each
   * rule rejected, and measures the good ones.
   */
  private Split split(
      SparkSession session, TableDefinition table, Partition partition, Dataset<Row> evaluated, String staging, List<CompiledRule> rowRules,
      List<String> checkTexts) {
    Column failed = size(col(RowLevelRules.FAILED_RULES)).gt(0);
    List<String> columns = java.util.Arrays.stream(evaluated.columns()).filter(c -> !c.equals(RowLevelRules.FAILED_RULES)).toList();
    // Good rows, then the rows each rule rejected (its text is what the failed-rules column holds), then the metrics.
    List<String> ruleTexts = java.util.stream.Stream.concat(rowRules.stream().map(r -> r.spec().text()), checkTexts.stream())
        .distinct().toList();
    List<Column> aggregates = new ArrayList<>(List.of(org.apache.spark.sql.functions.count_if(not(failed))));
    ruleTexts.forEach(t -> aggregates.add(org.apache.spark.sql.functions.count_if(
        org.apache.spark.sql.functions.array_contains(col(RowLevelRules.FAILED_RULES), t))));
    aggregates.addAll(BuildMeasures.metricAggregates(columns, table, not(failed)));
    StagedWrite all = StagedWrite.stage(session, run.target(table, partition), evaluated, staging + "/evaluated", aggregates);
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
        byRule, BuildMeasures.metrics(all.aggregates(), 1 + ruleTexts.size(), columns, table));
  }

  /** What the staging pass measured of the rows the gate checks (those it would publish). */
  static KnownMetrics known(Split split) {
    BuildMetrics m = split.metrics();
    // A table without a key among its columns has no key columns and no duplicate count (-1).
    long distinctKeys = m.keyColumns().isEmpty() ? -1 : split.published() - m.duplicateKeys();
    return new KnownMetrics(split.published(), m.nullCounts(), m.keyColumns(), distinctKeys);
  }

  /** Adds input that could not be read (bronze, already staged with the source) to the rejected rows. */
  private Split withMalformed(TableDefinition table, Partition partition, Split split, List<Dataset<Row>> malformed) {
    Dataset<Row> all = malformed.get(0);
    for (Dataset<Row> m : malformed.subList(1, malformed.size())) {
      all = all.unionByName(m, true);
    }
    // Rows read from this partition's landing files belong to it, whatever their own column says.
    all = all.withColumn(table.partitionColumn(), Partitions.literal(split.good().dateTyped(), partition));
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
  private RowCounts account(TableDefinition table, Partition partition, Map<String, Dataset<Row>> inputs, Split split) {
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
}

package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

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
import dev.strata.jobs.write.InPlaceWrite;
import dev.strata.jobs.write.PartitionWrite;
import dev.strata.jobs.write.PartitionWrites;
import dev.strata.jobs.write.Plans;
import dev.strata.jobs.write.SetAside;
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
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SplitWriter.class);
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
   * @param late for a table partitioned by event time, its rows that landed after the partition,
   *     by the landing partition they came in (empty for any other table)
   */
  record Written(
      Split split, RowCounts counts, List<CompiledRule> rowRules, boolean quarantines, List<CheckRunner.Use> checks,
      java.util.SortedMap<Partition, Long> late) {
    /** What the build says of its late rows, or null if it had none. */
    String lateNote(Partition partition) {
      return late.isEmpty() ? null : LateData.describe(partition, late);
    }
  }

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
    return write(session, table, partition, inputs, staging, started, transform(session, table, inputs.rows(), partition));
  }

  /** {@link #write} of rows computed elsewhere (what an external step wrote) instead of the table's transform. */
  Written write(
      SparkSession session, TableDefinition table, Partition partition, Inputs inputs, String staging,
      java.util.function.Consumer<PartitionWrite> started, Dataset<Row> output) {
    List<CompiledRule> rowRules = run.rules(table, true);
    List<CheckRunner.Use> checks = CheckRunner.uses(table.checks());
    List<CheckRunner.Use> rowChecks = CheckRunner.quarantining(checks);
    List<String> checkTexts = rowChecks.stream().map(CheckRunner.Use::text).toList();
    boolean quarantines = !rowRules.isEmpty() || !rowChecks.isEmpty() || !inputs.malformed().isEmpty();
    Split split;
    // What the write computes: the plan the observations of the inputs ran in.
    Dataset<Row> computed = output;
    if (rowRules.isEmpty() && rowChecks.isEmpty()) {
      // Nothing to split off: write the rows into the table's folder, unpublished, so that
      // publishing them copies nothing (write-audit-publish without a copy).
      List<String> columns = List.of(output.columns());
      PartitionWrite staged =
          PartitionWrites.replace(session, run.target(table, partition), output, staging + "/output", BuildMeasures.nullCounts(columns, null));
      started.accept(staged);
      split = Split.none(staged, BuildMeasures.metrics(staged.aggregates(), 0, columns, table, BuildMeasures.duplicates(staged.rows(), table, staged.rowCount())));
    } else if (RowLevelRules.singlePass(rowRules)) {
      // Every rule is a plain predicate (or a join): evaluate them as the rows are written.
      Dataset<Row> evaluated = CheckRunner.withFailures(RowLevelRules.withFailures(output, rowRules, inputs.rows()), rowChecks,
          run.checkInput(table, partition, output, -1, inputs.rows()));
      computed = evaluated;
      split = splitInPlace(session, table, partition, evaluated, staging, rowRules, checkTexts, started)
          .orElseGet(() -> split(session, table, partition, evaluated, staging, rowRules, checkTexts));
    } else {
      // Deequ computes metrics in a pass of its own first: stage the output so that pass reads
      // staged rows instead of computing the transform again.
      StagedWrite staged = StagedWrite.stage(session, run.target(table, partition), output, staging + "/output", List.of());
      split = split(session, table, partition, CheckRunner.withFailures(RowLevelRules.withFailures(staged.rows(), rowRules, inputs.rows()),
          rowChecks, run.checkInput(table, partition, staged.rows(), staged.rowCount(), inputs.rows())), staging, rowRules, checkTexts);
    }
    Map<String, Row> counted = countedInputs(inputs, split, computed);
    for (Map.Entry<String, Dataset<Row>> m : inputs.malformed().entrySet()) {
      split = withMalformed(session, table, partition, split, m.getKey(), m.getValue(), counted.get(m.getKey()), staging);
    }
    java.util.SortedMap<Partition, Long> late = new TreeMap<>();
    return new Written(split, account(table, partition, inputs, split, counted, late), rowRules, quarantines, checks, late);
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
    aggregates.addAll(BuildMeasures.nullCounts(columns, not(failed)));
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
    Dataset<Row> published = all.rows().where(not(failed)).drop(RowLevelRules.FAILED_RULES);
    return new Split(all.publishing(published), bad, all.rowCount(), good, rejected, 0,
        byRule, BuildMeasures.metrics(all.aggregates(), 1 + ruleTexts.size(), columns, table, BuildMeasures.duplicates(published, table, all.rowCount() - rejected)));
  }

  /**
   * The split written in one pass: the rows no rule rejected straight into the table's folder
   * (unpublished), while an observation of the same pass counts every row, the rejected ones per
   * rule, the nulls of the published ones, a checksum of the rejected ones, and sets the rejected
   * ones aside ({@link SetAside}) up to a bound. Those are staged for the quarantine and must match
   * that count and checksum. Past the bound, a transform that is a plain projection of what it
   * reads ({@link Plans#narrow}, {@link Plans#repeatable}) computes its rejected rows again, alone,
   * checked the same way: a transform that does not give the same rows twice (a window ordered by
   * a column with ties) is caught there. Empty, with nothing left behind, when the rows cannot be
   * written in place, or there were more rejected rows than set aside and computing them again
   * would not give the same rows or cost more than staging every row once (a join, an aggregate,
   * a window: a shuffle to do again): the caller then stages all rows once and splits them
   * ({@link #split}).
   */
  private java.util.Optional<Split> splitInPlace(
      SparkSession session, TableDefinition table, Partition partition, Dataset<Row> evaluated, String staging, List<CompiledRule> rowRules,
      List<String> checkTexts, java.util.function.Consumer<PartitionWrite> started) {
    Column failed = size(col(RowLevelRules.FAILED_RULES)).gt(0);
    List<String> columns = java.util.Arrays.stream(evaluated.columns()).filter(c -> !c.equals(RowLevelRules.FAILED_RULES)).toList();
    List<String> ruleTexts = java.util.stream.Stream.concat(rowRules.stream().map(r -> r.spec().text()), checkTexts.stream())
        .distinct().toList();
    String partitionColumn = table.partitionColumn();
    boolean dateTyped = PartitionWrites.dateTyped(run.target(table, partition), evaluated);
    Column inPartition = Partitions.equalTo(dateTyped, partitionColumn, partition);
    // Every row, rows of another partition (rejected ones too), rejected rows and their checksum,
    // the rows each rule rejected, then the nulls of the rows published.
    List<Column> aggregates = new ArrayList<>(List.of(
        count(lit(1)).as("rows"), count_if(inPartition.isNull().or(not(inPartition))).as("outside"), count_if(failed).as("rejected"),
        checksum(evaluated, failed).as("checksum")));
    for (int i = 0; i < ruleTexts.size(); i++) {
      aggregates.add(count_if(array_contains(col(RowLevelRules.FAILED_RULES), ruleTexts.get(i))).as("rule" + i));
    }
    List<Column> nulls = BuildMeasures.nullCounts(columns, not(failed));
    for (int i = 0; i < nulls.size(); i++) {
      aggregates.add(nulls.get(i).as("nulls" + i));
    }
    String name = "strata-split-" + java.util.UUID.randomUUID();
    Dataset<Row> observed = evaluated.observe(name, aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new));
    SetAside aside = SetAside.register(session, name);
    java.util.Optional<InPlaceWrite> written = InPlaceWrite.stage(
        session, run.target(table, partition), observed.where(aside.keep(observed, failed)).drop(RowLevelRules.FAILED_RULES), List.of());
    if (written.isEmpty()) {
      return java.util.Optional.empty();
    }
    InPlaceWrite good = written.get();
    started.accept(good);
    Row m = good.observed(name).orElseThrow(() -> new IllegalStateException("the split of " + table.name() + " " + partition + " observed nothing"));
    if (m.getLong(1) > 0) {
      throw Errors.partitionMismatch(table.name(), partition, partitionColumn, m.getLong(1));
    }
    long rows = m.getLong(0);
    long rejected = m.getLong(2);
    Map<String, Long> byRule = new TreeMap<>();
    for (int i = 0; i < ruleTexts.size(); i++) {
      long n = m.getLong(4 + i);
      if (n > 0) {
        byRule.put(ruleTexts.get(i), n);
      }
    }
    Dataset<Row> bad = null;
    if (rejected > 0) {
      java.util.Optional<List<Row>> held = aside.value().seen() == rejected ? aside.value().rows() : java.util.Optional.empty();
      Dataset<Row> rejectedRows;
      if (held.isPresent()) {
        rejectedRows = session.createDataFrame(held.get(), evaluated.schema());
      } else if (Plans.repeatable(evaluated) && Plans.narrow(evaluated)) {
        rejectedRows = evaluated.where(failed);
      } else {
        // More rejected rows than set aside, and computing them again would not give the same
        // rows or would cost more than staging every row once: split staged rows instead.
        good.abort(null);
        LOG.info("'{}' rejected {} rows, more than the split sets aside ({}): its rows are staged once and split", table.name(),
            rejected, SetAside.MAX_ROWS_SETTING);
        return java.util.Optional.empty();
      }
      StagedWrite again = StagedWrite.stage(session, run.target(table, partition), rejectedRows, staging + "/rejected",
          List.of(checksum(evaluated, lit(true))));
      if (again.rowCount() != rejected || !java.util.Objects.equals(m.get(3), again.aggregates().get(0))) {
        // Not the same rejected rows: give the write up and split staged rows instead.
        good.abort(null);
        if (held.isPresent()) {
          LOG.warn("The rejected rows of '{}' set aside by its write do not match what the write counted ({} then {}): its rows are"
              + " staged once and split", table.name(), rejected, again.rowCount());
        } else {
          LOG.warn("The transform of '{}' gave other rejected rows when computed again ({} then {}); it is not deterministic "
              + "(e.g. a window ordered by a column with ties): its rows are staged once and split", table.name(), rejected, again.rowCount());
        }
        return java.util.Optional.empty();
      }
      bad = again.rows();
      if (byRule.values().stream().mapToLong(Long::longValue).sum() < rejected) {
        // Some failure is listed under another text than a declared rule's: count what the column says instead.
        byRule = countByRule(bad, Map.of());
      }
    }
    BuildMetrics metrics =
        BuildMeasures.metrics(m, 4 + ruleTexts.size(), columns, table, BuildMeasures.duplicates(good.rows(), table, rows - rejected));
    return java.util.Optional.of(new Split(good, bad, rows, rows - rejected, rejected, 0, byRule, metrics));
  }

  /**
   * An order-independent checksum of the rows {@code selected} picks: the sum of a 64-bit hash of
   * each (map columns, which Spark does not hash, left out), exact as a decimal.
   */
  private static Column checksum(Dataset<Row> rows, Column selected) {
    Column[] hashed = java.util.Arrays.stream(rows.schema().fields())
        .filter(f -> !(f.dataType() instanceof org.apache.spark.sql.types.MapType))
        .map(f -> col("`" + f.name() + "`")).toArray(Column[]::new);
    return sum(when(selected, xxhash64(hashed).cast("decimal(20,0)")).otherwise(lit(0).cast("decimal(20,0)")));
  }

  /** What the staging pass measured of the rows the gate checks (those it would publish). */
  static KnownMetrics known(Split split) {
    BuildMetrics m = split.metrics();
    // A table without a key among its columns has no key columns and no duplicate count (-1).
    long distinctKeys = m.keyColumns().isEmpty() ? -1 : split.published() - m.duplicateKeys();
    return new KnownMetrics(split.published(), m.nullCounts(), m.keyColumns(), distinctKeys);
  }

  /**
   * Adds the lines of a source that could not be read to the rejected rows: computed again from
   * the landing files and staged, only when the write's observation counted some (or could not
   * count them all: {@code counted} is null then).
   *
   * @param counted the source's lines as the write counted them ({@link InputResolver#ROWS},
   *     {@link InputResolver#MALFORMED}), or null
   */
  private Split withMalformed(
      SparkSession session, TableDefinition table, Partition partition, Split split, String source, Dataset<Row> malformed, Row counted,
      String staging) {
    if (counted != null && counted.getLong(1) == 0) {
      return split;
    }
    // Rows read from this partition's landing files belong to it, whatever their own column says.
    Dataset<Row> rows = partition.isWhole() ? malformed
        : malformed.withColumn(table.partitionColumn(), Partitions.literal(split.good().dateTyped(), partition));
    rows = likeTheTable(rows, split.good().rows().schema());
    StagedWrite staged = StagedWrite.stage(session, run.target(table, partition), rows, staging + "/malformed-" + source, List.of());
    long count = staged.rowCount();
    if (counted != null && count != counted.getLong(1)) {
      throw new IllegalStateException("the landing files of " + source + " gave " + counted.getLong(1) + " malformed line(s) to the write and "
          + count + " when read again");
    }
    if (count == 0) {
      return split;
    }
    Dataset<Row> bad = split.bad() == null ? staged.rows() : split.bad().unionByName(staged.rows(), true);
    return new Split(
        split.good(), bad, split.output(), split.published(), split.quarantined() + count, split.malformed() + count,
        countByRule(staged.rows(), split.byRule()), split.metrics());
  }

  /**
   * Rejected input rows shaped for the table's quarantine, which also holds rejected output rows:
   * a column the output has under the same name takes the output's type (an input's text amount
   * becomes the decimal the quarantine holds, null where it does not cast), and rows without a raw
   * line (an input table's rows, rejected before the transform: late ones) keep the whole input row
   * as JSON in it, so that nothing of them is lost.
   */
  private static Dataset<Row> likeTheTable(Dataset<Row> rows, org.apache.spark.sql.types.StructType output) {
    Dataset<Row> out = rows;
    if (!java.util.Arrays.asList(rows.columns()).contains(Quarantine.RAW_LINE)) {
      Column[] input = java.util.Arrays.stream(rows.columns()).filter(c -> !c.equals(Quarantine.FAILED_RULES))
          .map(c -> col("`" + c + "`")).toArray(Column[]::new);
      out = out.withColumn(Quarantine.RAW_LINE, org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(input)));
    }
    for (org.apache.spark.sql.types.StructField f : rows.schema().fields()) {
      var same = output.getFieldIndex(f.name());
      if (same.isDefined() && !output.fields()[(Integer) same.get()].dataType().equals(f.dataType())) {
        out = out.withColumn(f.name(), col("`" + f.name() + "`").cast(output.fields()[(Integer) same.get()].dataType()));
      }
    }
    return out;
  }

  /** What an observation inside the written rows counted, if the write was in place and ran it. */
  private static java.util.Optional<Row> observed(Split split, String name) {
    return split.good() instanceof InPlaceWrite w ? w.observed(name) : java.util.Optional.empty();
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
   * Per source, its lines as the write's observation counted them while it parsed the landing
   * files (every line, the malformed ones), for the sources whose count the plan promises is
   * whole ({@link Plans#observesEveryRow}) and whose write ran the observation (one in place).
   */
  private static Map<String, Row> countedInputs(Inputs inputs, Split split, Dataset<Row> computed) {
    Map<String, Row> counted = new java.util.HashMap<>();
    inputs.observed().forEach((source, name) -> {
      if (Plans.observesEveryRow(computed, name)) {
        observed(split, name).ifPresent(r -> counted.put(source, r));
      }
    });
    return counted;
  }

  /**
   * Accounts for every row: {@code in = published + quarantined + filtered}, where {@code in} is
   * the rows of the table's {@code rows_from} input (plus its malformed input) and {@code
   * filtered} what the transform removed. Rows removed without a declared reason, rows the
   * transform multiplied, or counts that do not add up fail the build.
   */
  private RowCounts account(
      TableDefinition table, Partition partition, Inputs inputs, Split split, Map<String, Row> counted, Map<Partition, Long> late) {
    Row seen = counted.get(table.rowsFrom());
    long fromInput;
    if (table.rowsFrom().equals(TableDefinition.AGGREGATE)) {
      fromInput = split.output();
    } else if (seen != null) {
      // The source's usable lines as the write counted them.
      fromInput = seen.getLong(0) - seen.getLong(1);
    } else if (table.eventTime() != null) {
      // Partitioned by event time: the input's rows counted by the partition they landed in, in
      // the same one pass, so that the build can say how many of them came late.
      Map<Partition, Long> byLanding = LateData.byLanding(inputs.rows().get(table.rowsFrom()), run.pipeline().table(table.rowsFrom()));
      fromInput = byLanding.values().stream().mapToLong(Long::longValue).sum();
      byLanding.forEach((landing, rows) -> {
        if (!landing.start().isBefore(partition.end())) {
          late.put(landing, rows);
        }
      });
    } else {
      fromInput = inputs.rows().get(table.rowsFrom()).count();
    }
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

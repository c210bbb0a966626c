package dev.strata.quality;

import com.amazon.deequ.dqdl.execution.DQDLExecutor;
import com.amazon.deequ.dqdl.model.ExecutableRule;
import com.amazon.deequ.dqdl.model.RuleOutcome;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Option;
import scala.collection.JavaConverters;
import software.amazon.glue.dqdl.model.DQRule;

/**
 * Evaluates a table partition's dataset-level rules with Deequ.
 *
 * <p>All rules go to Deequ in one call, so the analyzers they need share scans of the data;
 * except those whose passing result the caller's own measurements prove ({@link KnownMetrics}).
 */
public final class QualityGate {
  /**
   * Deequ reports a rule it could not run (missing column, type mismatch) as a failed rule whose
   * reason is the exception text; a data failure reads "Value: ... does not meet ...".
   */
  private static final Pattern EXCEPTION =
      Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error)\\b"
              + "|Input data does not include column|^\\[[A-Z_]+(?:\\.[A-Z_]+)?\\]");
  /** Deequ's reason when an analyzer had no value to work on: no rows, or only nulls in the column. */
  private static final Pattern NOTHING_TO_MEASURE =
      Pattern.compile("Empty state for analyzer|Primary data frame contains no data|Value at index 0 is null");
  private static final Pattern VALUE_REASON = Pattern.compile("Value: -?[0-9]");
  /** The view name DQDL's CustomSql rules query. */
  static final String PRIMARY = "primary";

  private QualityGate() {}

  /**
   * Evaluates rules on data.
   *
   * @param data the rows to check (the staged, not yet published partition)
   * @param rules the compiled rules; their groups decide what a failure does
   * @param references datasets that multi-dataset rules name by alias (e.g. ReferentialIntegrity)
   * @return one result per rule, in the order given
   */
  public static GateResult evaluate(
      Dataset<Row> data, List<CompiledRule> rules, Map<String, Dataset<Row>> references) {
    return evaluate(data, rules, references, KnownMetrics.NONE);
  }

  /**
   * Evaluates rules on data, taking the results that {@code known} proves (a passing uniqueness
   * rule on the table's key) from it, and the others from Deequ in one call.
   *
   * @param known what the caller already measured of exactly these rows
   * @return one result per rule, in the order given
   */
  public static GateResult evaluate(
      Dataset<Row> data, List<CompiledRule> rules, Map<String, Dataset<Row>> references, KnownMetrics known) {
    return evaluate(data, rules, references, known, 0);
  }

  /**
   * Evaluates rules on data as {@link #evaluate(Dataset, List, Map, KnownMetrics)} does, and for
   * each rule that failed reads up to {@code samples} rows that show why ({@link Samples}), with the
   * key {@code known} names.
   */
  public static GateResult evaluate(
      Dataset<Row> data, List<CompiledRule> rules, Map<String, Dataset<Row>> references, KnownMetrics known, int samples) {
    // Counted once, and only if a failure needs the number (known from staging for a table build).
    LongSupplier rows = memoized(known.rows() >= 0 ? known::rows : data::count);
    List<Optional<RuleResult>> proven = rules.stream().map(r -> known.prove(r).map(p -> p.withMessage(
        RuleWords.describe(r, true, p.observed(), "", rows)))).toList();
    List<CompiledRule> rest = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      if (proven.get(i).isEmpty()) {
        rest.add(rules.get(i));
      }
    }
    Iterator<RuleResult> fromDeequ = withDeequ(data, rest, references, rows).iterator();
    List<RuleResult> results = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      RuleResult r = proven.get(i).orElseGet(fromDeequ::next);
      // Rows for the failures that block: a warning that fails every day costs no extra read.
      if (r.outcome() == RuleResult.Outcome.FAILED && r.blocks() && samples > 0) {
        r = r.withSamples(Samples.failing(data, rules.get(i), known.key(), samples, references));
      }
      results.add(r);
    }
    return new GateResult(results);
  }

  private static List<RuleResult> withDeequ(
      Dataset<Row> data, List<CompiledRule> rules, Map<String, Dataset<Row>> references, LongSupplier rows) {
    if (rules.isEmpty()) {
      return List.of();
    }
    if (rules.stream().anyMatch(r -> r.ruleType().equals("CustomSql"))) {
      // DQDL's CustomSql queries the checked rows as "primary": a view of this build's own session.
      data.createOrReplaceTempView(PRIMARY);
    }
    List<ExecutableRule> executables = rules.stream().map(CompiledRule::executable).toList();
    scala.collection.immutable.Map<String, Dataset<Row>> scalaRefs =
        JavaConverters.mapAsScalaMapConverter(references)
            .asScala()
            .toMap(scala.Predef$.MODULE$.<scala.Tuple2<String, Dataset<Row>>>$conforms());
    scala.collection.immutable.Map<DQRule, RuleOutcome> outcomes =
        DQDLExecutor.executeRules(
            JavaConverters.asScalaBufferConverter(executables).asScala().toSeq(), data, scalaRefs);

    List<RuleResult> results = new ArrayList<>();
    List<String> columns = java.util.Arrays.asList(data.columns());
    for (CompiledRule rule : rules) {
      Option<RuleOutcome> outcome = outcomes.get(rule.dqRule());
      if (outcome.isEmpty()) {
        results.add(
            new RuleResult(
                rule.spec(), false, true, "Deequ returned no outcome for this rule; it cannot be evaluated", Map.of()));
        continue;
      }
      RuleOutcome o = outcome.get();
      boolean passed = "Passed".equalsIgnoreCase(o.outcome().asString());
      String reason = o.failureReason().isDefined() ? Rules.oneLine(o.failureReason().get()) : "";
      Map<String, Double> metrics = metrics(o);
      RuleResult.Outcome decided;
      String words;
      if (passed) {
        decided = RuleResult.Outcome.PASSED;
        words = RuleWords.describe(rule, true, metrics, reason, rows);
      } else if (NOTHING_TO_MEASURE.matcher(reason).find() && rows.getAsLong() == 0) {
        decided = RuleResult.Outcome.NOT_EVALUATED;
        words = "not evaluated: there are no rows to check";
      } else if (NOTHING_TO_MEASURE.matcher(reason).find() && metrics.isEmpty() && !VALUE_REASON.matcher(reason).find()) {
        // Rows, but not one value in the column: a measure of its values has nothing to work on.
        decided = RuleResult.Outcome.FAILED;
        words = RuleWords.allNull(rule, rows.getAsLong());
      } else if (EXCEPTION.matcher(reason).find()) {
        decided = RuleResult.Outcome.ERROR;
        words = RuleWords.cannotEvaluate(reason, columns);
      } else {
        decided = RuleResult.Outcome.FAILED;
        words = RuleWords.describe(rule, false, metrics, reason, rows);
      }
      results.add(new RuleResult(rule.spec(), decided, words, metrics, List.of()));
    }
    return results;
  }

  private static LongSupplier memoized(LongSupplier supplier) {
    long[] value = {Long.MIN_VALUE};
    return () -> {
      if (value[0] == Long.MIN_VALUE) {
        value[0] = supplier.getAsLong();
      }
      return value[0];
    };
  }

  private static Map<String, Double> metrics(RuleOutcome outcome) {
    Map<String, Double> metrics = new TreeMap<>();
    for (var entry : JavaConverters.mapAsJavaMapConverter(outcome.evaluatedMetrics()).asJava().entrySet()) {
      Object value = entry.getValue();
      if (value instanceof Number n) {
        metrics.put(entry.getKey(), n.doubleValue());
      }
    }
    return metrics;
  }
}

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
  private static final java.util.regex.Pattern EXCEPTION =
      java.util.regex.Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error)\\b"
              + "|Input data does not include column");

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
    List<Optional<RuleResult>> proven = rules.stream().map(known::prove).toList();
    List<CompiledRule> rest = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      if (proven.get(i).isEmpty()) {
        rest.add(rules.get(i));
      }
    }
    Iterator<RuleResult> fromDeequ = withDeequ(data, rest, references).results().iterator();
    List<RuleResult> results = new ArrayList<>();
    for (Optional<RuleResult> p : proven) {
      results.add(p.orElseGet(fromDeequ::next));
    }
    return new GateResult(results);
  }

  private static GateResult withDeequ(Dataset<Row> data, List<CompiledRule> rules, Map<String, Dataset<Row>> references) {
    if (rules.isEmpty()) {
      return new GateResult(List.of());
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
    for (CompiledRule rule : rules) {
      Option<RuleOutcome> outcome = outcomes.get(rule.dqRule());
      if (outcome.isEmpty()) {
        results.add(
            new RuleResult(
                rule.spec(), false, true, "Deequ returned no outcome for this rule", Map.of()));
        continue;
      }
      RuleOutcome o = outcome.get();
      boolean passed = "Passed".equalsIgnoreCase(o.outcome().asString());
      String reason = o.failureReason().isDefined() ? Rules.oneLine(o.failureReason().get()) : "";
      boolean evaluationError = !passed && EXCEPTION.matcher(reason).find();
      String message =
          passed
              ? ""
              : evaluationError ? "Cannot evaluate the rule on this data: " + withoutPlan(reason) : reason;
      results.add(new RuleResult(rule.spec(), passed, evaluationError, message, metrics(o)));
    }
    return new GateResult(results);
  }

  /** Spark's analysis errors end with the whole query plan; the first sentence says it all. */
  private static String withoutPlan(String reason) {
    int plan = reason.indexOf("; line ");
    return plan > 0 ? reason.substring(0, plan) : reason;
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

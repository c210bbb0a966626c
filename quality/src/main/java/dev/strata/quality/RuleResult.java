package dev.strata.quality;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The outcome of one rule on one table partition.
 *
 * @param spec the rule as declared
 * @param outcome what the rule decided
 * @param message what was observed against what was expected, in words (e.g. {@code 96.15% of
 *     1,200 rows satisfy quantity between 1 and 50 (bounds excluded); 46 do not}); for a passed
 *     rule what was observed, or empty
 * @param observed the metric values the rule was decided on, by metric name (e.g. {@code
 *     Column.customer_id.Completeness -> 0.98}), for machines: people read {@code message}
 * @param samples a few of the rows that fail the rule, each as {@code column=value, ...} (for a
 *     uniqueness rule: a repeated value and how many rows have it); empty if it passed or the rule
 *     has no failing rows to show
 */
public record RuleResult(RuleSpec spec, Outcome outcome, String message, Map<String, Double> observed, List<String> samples) {
  /** What a rule decided. */
  public enum Outcome {
    /** The data satisfied the rule. */
    PASSED,
    /** The data did not satisfy the rule. */
    FAILED,
    /**
     * The rule could not be evaluated on this data at all (a column it names is missing, or its type
     * does not fit): it blocks whatever its group, since the data could not be verified.
     */
    ERROR,
    /**
     * There was nothing to measure (no rows to check): the rule is a consequence of whatever emptied
     * the data, which is reported as the cause. It blocks as a failure of its group would.
     */
    NOT_EVALUATED
  }

  public RuleResult {
    observed = Map.copyOf(observed);
    message = message == null ? "" : message;
    samples = List.copyOf(samples);
  }

  /** A result without samples, passed or failed (or, with {@code evaluationError}, not evaluable). */
  public RuleResult(RuleSpec spec, boolean passed, boolean evaluationError, String message, Map<String, Double> observed) {
    this(spec, passed ? Outcome.PASSED : evaluationError ? Outcome.ERROR : Outcome.FAILED, message, observed, List.of());
  }

  public boolean passed() {
    return outcome == Outcome.PASSED;
  }

  /** True when the rule could not be evaluated on this data (a missing column, a type that does not fit). */
  public boolean evaluationError() {
    return outcome == Outcome.ERROR;
  }

  /** True when there was nothing to evaluate the rule on: a consequence, never a cause. */
  public boolean notEvaluated() {
    return outcome == Outcome.NOT_EVALUATED;
  }

  /** True when the rule failed and blocks publication: an error rule, or one that could not run. */
  public boolean blocks() {
    return !passed() && (spec.group() == RuleGroup.ERROR || evaluationError());
  }

  /** True when the rule failed and only warns. */
  public boolean warns() {
    return !passed() && !blocks() && spec.group() == RuleGroup.WARN;
  }

  /** The same result with these samples of failing rows. */
  public RuleResult withSamples(List<String> rows) {
    return new RuleResult(spec, outcome, message, observed, rows);
  }

  /** The same result with another message. */
  public RuleResult withMessage(String text) {
    return new RuleResult(spec, outcome, text, observed, samples);
  }

  /**
   * The observed values as {@code name=value, ...}, sorted by name: the metrics for machines and
   * logs (people read {@link #message()}).
   */
  public String metricsText() {
    return observed.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "=" + formatNumber(e.getValue()))
        .collect(Collectors.joining(", "));
  }

  static String formatNumber(Double value) {
    if (value == null) {
      return "null";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return String.valueOf(value.longValue());
    }
    return String.valueOf(value);
  }
}

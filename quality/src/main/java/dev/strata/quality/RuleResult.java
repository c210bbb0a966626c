package dev.strata.quality;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * The outcome of one rule on one table partition.
 *
 * @param spec the rule as declared
 * @param passed whether the data satisfied the rule
 * @param evaluationError true when the rule could not be evaluated on this data at all (a column
 *     it names is missing, or its type does not fit): it blocks whatever its group, since the data
 *     could not be verified
 * @param message Deequ's reason when it failed (empty when it passed)
 * @param observed the metric values the rule was decided on, by Deequ's metric name (e.g. {@code
 *     Column.customer_id.Completeness -> 0.98})
 */
public record RuleResult(
    RuleSpec spec,
    boolean passed,
    boolean evaluationError,
    String message,
    Map<String, Double> observed) {
  public RuleResult {
    observed = Map.copyOf(observed);
    message = message == null ? "" : message;
  }

  /** True when the rule failed and blocks publication: an error rule, or one that could not run. */
  public boolean blocks() {
    return !passed && (spec.group() == RuleGroup.ERROR || evaluationError);
  }

  /** True when the rule failed and only warns. */
  public boolean warns() {
    return !passed && !blocks() && spec.group() == RuleGroup.WARN;
  }

  /** PASSED, FAILED or ERROR (could not be evaluated), for reports. */
  public String outcome() {
    return passed ? "PASSED" : evaluationError ? "ERROR" : "FAILED";
  }

  /** The observed values as {@code name=value, ...}, sorted by name, for messages. */
  public String observedText() {
    if (observed.isEmpty()) {
      return "(no metric)";
    }
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

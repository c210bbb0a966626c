package dev.strata.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A check's verdict.
 *
 * @param outcome passed, failed, or not evaluated (nothing to check: a consequence, never a cause)
 * @param words what was observed against what was expected, in words, e.g. {@code 3 of 400 balances
 *     (0.75%) are below 0 (expected at most 1%)}; shown as the reason of a failure
 * @param observed the measured values by name, as the ledger's metrics keep them
 * @param samples a few rows that show a failure, each in words; empty if none
 */
public record CheckResult(Outcome outcome, String words, Map<String, Double> observed, List<String> samples) {
  /** How a check ended. */
  public enum Outcome {
    PASSED,
    FAILED,
    NOT_EVALUATED
  }

  public CheckResult {
    Objects.requireNonNull(outcome, "outcome");
    words = words == null ? "" : words;
    observed = Map.copyOf(observed);
    samples = List.copyOf(samples);
  }

  public static CheckResult passed(String words, Map<String, Double> observed) {
    return new CheckResult(Outcome.PASSED, words, observed, List.of());
  }

  public static CheckResult failed(String words, Map<String, Double> observed) {
    return new CheckResult(Outcome.FAILED, words, observed, List.of());
  }

  /** The same verdict with rows that show it. */
  public CheckResult withSamples(List<String> rows) {
    return new CheckResult(outcome, words, observed, rows);
  }

  public boolean passed() {
    return outcome == Outcome.PASSED;
  }
}

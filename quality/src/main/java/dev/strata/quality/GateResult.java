package dev.strata.quality;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The results of a table partition's rules, and the decision they make. */
public record GateResult(List<RuleResult> results) {
  public GateResult {
    results = List.copyOf(results);
  }

  /** True when no error-group rule failed: the data may be published. */
  public boolean passed() {
    return results.stream().noneMatch(RuleResult::blocks);
  }

  /** The failed error-group rules, which block publication. */
  public List<RuleResult> blocking() {
    return results.stream().filter(RuleResult::blocks).toList();
  }

  /** The failed warn-group rules. */
  public List<RuleResult> warnings() {
    return results.stream().filter(RuleResult::warns).toList();
  }

  /**
   * The results with causes first: failed rules that block (in the order given, which the caller
   * makes the order of precedence: a stale input before a schema drift before a flood of rejected
   * rows before the table's own rules), then the rules that could not be evaluated because of them,
   * then warnings, then the rules that passed.
   */
  public GateResult inCausalOrder() {
    return new GateResult(results.stream().sorted(Comparator.comparingInt(GateResult::rank)).toList());
  }

  /** The rule that decided a blocked gate: the first failed blocking rule that was evaluated. */
  public Optional<RuleResult> cause() {
    return results.stream().filter(r -> r.blocks() && !r.notEvaluated()).min(Comparator.comparingInt(GateResult::rank));
  }

  /** The rules that could not be evaluated (nothing to measure). */
  public List<RuleResult> notEvaluated() {
    return results.stream().filter(RuleResult::notEvaluated).toList();
  }

  private static int rank(RuleResult r) {
    if (r.blocks() && !r.notEvaluated()) {
      return 0;
    }
    if (r.notEvaluated()) {
      return 1;
    }
    return r.passed() ? 3 : 2;
  }
}

package dev.strata.quality;

import java.util.List;

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
}

package dev.strata.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GateResultTest {
  private static RuleResult result(String text, RuleGroup group, RuleResult.Outcome outcome) {
    return new RuleResult(new RuleSpec(text, group, "test"), outcome, text + " words", Map.of(), List.of());
  }

  @Test
  void causesComeFirstInTheOrderGivenThenWhatCouldNotBeEvaluatedThenWarningsThenPasses() {
    RuleResult passed = result("RowCount > 0", RuleGroup.ERROR, RuleResult.Outcome.PASSED);
    RuleResult warned = result("IsComplete \"email\"", RuleGroup.WARN, RuleResult.Outcome.FAILED);
    RuleResult skipped = result("IsUnique \"id\"", RuleGroup.ERROR, RuleResult.Outcome.NOT_EVALUATED);
    RuleResult flood = result("QuarantineRatio <= 0.05", RuleGroup.ERROR, RuleResult.Outcome.FAILED);
    RuleResult empty = result("Mean \"x\" > 1", RuleGroup.ERROR, RuleResult.Outcome.FAILED);
    RuleResult broken = result("IsComplete \"nope\"", RuleGroup.WARN, RuleResult.Outcome.ERROR);

    GateResult gate = new GateResult(List.of(passed, warned, skipped, flood, empty, broken)).inCausalOrder();

    assertThat(gate.results()).containsExactly(flood, empty, broken, skipped, warned, passed);
    assertThat(gate.cause()).contains(flood);
    assertThat(gate.notEvaluated()).containsExactly(skipped);
    assertThat(gate.passed()).isFalse();
  }

  @Test
  void aGateWhoseOnlyFailuresWereNotEvaluatedHasNoCauseButStillBlocks() {
    GateResult gate = new GateResult(List.of(result("IsUnique \"id\"", RuleGroup.ERROR, RuleResult.Outcome.NOT_EVALUATED)));
    assertThat(gate.cause()).isEmpty();
    assertThat(gate.passed()).isFalse();
  }
}

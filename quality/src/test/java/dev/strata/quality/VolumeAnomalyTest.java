package dev.strata.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeAnomalyTest {
  private static final RuleSpec SPEC = new RuleSpec(VolumeAnomaly.text(0.3, "the last 4 accepted Mondays"), RuleGroup.ERROR, "test");

  @Test
  void withinTheBandPassesAndBeyondItFailsWithTheChangeAndTheBaseline() {
    RuleResult ok = VolumeAnomaly.evaluate(1_250, List.of(1_000L, 900L, 1_100L, 5_000L), 0.3, 2, SPEC, "the last 4 accepted Mondays");
    assertThat(ok.passed()).isTrue();
    assertThat(ok.observed()).containsEntry("Volume.BaselineMedian", 1_050.0);

    RuleResult drop = VolumeAnomaly.evaluate(600, List.of(1_000L, 900L, 1_100L), 0.3, 2, SPEC, "the last 4 accepted Mondays");
    assertThat(drop.passed()).isFalse();
    assertThat(drop.blocks()).isTrue();
    assertThat(drop.observed()).containsEntry("Volume.Change", -0.4);
    assertThat(drop.message()).isEqualTo("600 rows is -40.0% from the median 1,000 of the last 4 accepted Mondays (1,000 / 900 / 1,100) (expected within ±30% of it)");
    assertThat(SPEC.text()).isEqualTo("Volume within ±30% of the median of the last 4 accepted Mondays");
  }

  @Test
  void theBandIsInclusiveAndAnEmptyBaselineMedianOnlyAcceptsZero() {
    assertThat(VolumeAnomaly.evaluate(1_300, List.of(1_000L), 0.3, 1, SPEC, "b").passed()).isTrue();
    assertThat(VolumeAnomaly.evaluate(1_301, List.of(1_000L), 0.3, 1, SPEC, "b").passed()).isFalse();
    assertThat(VolumeAnomaly.evaluate(0, List.of(0L, 0L), 0.3, 1, SPEC, "b").passed()).isTrue();
    RuleResult fromNothing = VolumeAnomaly.evaluate(5, List.of(0L, 0L), 0.3, 1, SPEC, "b");
    assertThat(fromNothing.passed()).isFalse();
    assertThat(fromNothing.message()).startsWith("5 rows is above the median 0");
  }

  @Test
  void tooLittleHistoryPassesWithANote() {
    RuleResult first = VolumeAnomaly.evaluate(10, List.of(), 0.3, 2, SPEC, "the last 4 accepted Mondays");
    assertThat(first.passed()).isTrue();
    assertThat(first.message()).isEqualTo("no baseline yet: 0 of the 2 accepted partition(s) needed (the last 4 accepted Mondays); passes until there are");
    assertThat(VolumeAnomaly.median(List.of(3L, 1L, 2L, 10L))).isEqualTo(2.5);
  }
}

package dev.strata.jobs.definition;

import dev.strata.quality.RuleGroup;

/**
 * A table's volume anomaly rule: its row count must stay within {@code maxChange} of the median
 * row count of its last {@code baseline} accepted partitions (those whose latest build passed its
 * gate and published), counting only the same weekday if {@code sameWeekday}.
 *
 * @param maxChange the largest accepted relative change, e.g. 0.3 for ±30%
 * @param baseline how many earlier accepted partitions make the baseline
 * @param minHistory fewer accepted partitions than this: the rule passes with a note
 * @param sameWeekday compare Mondays with Mondays
 * @param group {@link RuleGroup#WARN} or {@link RuleGroup#ERROR}
 * @param where file:line and key path of the declaration
 */
public record VolumeRule(double maxChange, int baseline, int minHistory, boolean sameWeekday, RuleGroup group, String where) {
  /** The rule as the check it is ({@code dev.strata.jobs.checks.VolumeCheck}). */
  public CheckSpec asCheck() {
    return new CheckSpec("volume", group, java.util.Map.of("max_change", String.valueOf(maxChange), "baseline", String.valueOf(baseline),
        "min_history", String.valueOf(minHistory), "same_weekday", String.valueOf(sameWeekday)), where);
  }
}

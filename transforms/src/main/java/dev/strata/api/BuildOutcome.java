package dev.strata.api;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What became of one table partition in a run.
 *
 * @param table the table
 * @param layer its layer: bronze, silver or gold
 * @param partition the partition
 * @param status what happened
 * @param rows where its rows went, or {@link Rows#UNKNOWN} if the build never counted them
 * @param failedRules the rules that failed (error and warn level), the cause first
 * @param version the Delta version that published it, if it published
 * @param attempt which attempt this was, from 1 (0: not attempted)
 * @param duration wall time of the build
 * @param message why it was not published, or the warnings of a published build; empty if none
 */
public record BuildOutcome(
    String table,
    String layer,
    Partition partition,
    BuildStatus status,
    Rows rows,
    List<FailedRule> failedRules,
    OptionalLong version,
    int attempt,
    Duration duration,
    String message) {

  public BuildOutcome {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(partition, "partition");
    Objects.requireNonNull(status, "status");
    failedRules = List.copyOf(failedRules);
  }

  /**
   * Where a build's rows went: every row in is published, quarantined with its reasons, or filtered
   * out for the reason the table declares.
   */
  public record Rows(long in, long published, long quarantined, long filtered) {
    /** The build did not get as far as counting. */
    public static final Rows UNKNOWN = new Rows(-1, -1, -1, -1);

    public boolean known() {
      return in >= 0;
    }
  }

  /**
   * A rule that failed.
   *
   * @param rule the rule as declared (DQDL text, or Strata's own rule)
   * @param level {@code error} (blocks publication) or {@code warn}
   * @param words what was observed against what was expected, in words
   */
  public record FailedRule(String rule, String level, String words) {}

  public boolean published() {
    return status.published();
  }
}

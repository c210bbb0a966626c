package dev.strata.jobs.engine;

import dev.strata.jobs.definition.Layer;
import dev.strata.quality.GateResult;
import java.time.Duration;
import java.time.LocalDate;

/**
 * The outcome of building one table partition.
 *
 * @param table the table
 * @param layer its layer
 * @param partition the partition built
 * @param status what happened
 * @param counts where the rows went, or {@link RowCounts#NONE} if it never got that far
 * @param deltaVersion the Delta version that published the rows, or -1
 * @param duration wall time of the build
 * @param gate the rule results, empty if the gate did not run
 * @param message why it was not published, empty if it was
 */
public record TableBuildResult(
    String table,
    Layer layer,
    LocalDate partition,
    BuildStatus status,
    RowCounts counts,
    long deltaVersion,
    Duration duration,
    GateResult gate,
    String message) {

  /** Rows that passed every row-level rule (published, if the gate passed), or -1. */
  public long rows() {
    return counts.published();
  }
}

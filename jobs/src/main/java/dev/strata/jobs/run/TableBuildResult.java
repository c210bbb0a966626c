package dev.strata.jobs.run;

import dev.strata.api.BuildStatus;
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
 * @param attempt which attempt this was, from 1
 * @param errorClass the class of the exception that failed the build, or null
 * @param retryable whether the failure was transient, so that another attempt may succeed
 * @param metrics null and duplicate counts, files and bytes written, or {@link BuildMetrics#NONE}
 * @param upstream the upstream table whose partition kept this one from building (it did not
 *     publish: this build was SKIPPED or NOT_READY), or null
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
    String message,
    int attempt,
    String errorClass,
    boolean retryable,
    BuildMetrics metrics,
    String upstream) {

  /** A result without metrics: the build did not get as far as measuring its rows. */
  public TableBuildResult(
      String table, Layer layer, LocalDate partition, BuildStatus status, RowCounts counts, long deltaVersion, Duration duration,
      GateResult gate, String message, int attempt, String errorClass, boolean retryable) {
    this(table, layer, partition, status, counts, deltaVersion, duration, gate, message, attempt, errorClass, retryable, BuildMetrics.NONE,
        null);
  }

  /** A result with metrics, not kept from building by an upstream. */
  public TableBuildResult(
      String table, Layer layer, LocalDate partition, BuildStatus status, RowCounts counts, long deltaVersion, Duration duration,
      GateResult gate, String message, int attempt, String errorClass, boolean retryable, BuildMetrics metrics) {
    this(table, layer, partition, status, counts, deltaVersion, duration, gate, message, attempt, errorClass, retryable, metrics, null);
  }

  /** How the message of a published build starts when a step after its commit failed (the commit stands). */
  public static final String WARNING = "warning: ";

  /** A build that was not attempted because an upstream build of this run did not publish. */
  public static TableBuildResult skipped(String table, Layer layer, LocalDate partition, String upstream, String message) {
    return new TableBuildResult(
        table, layer, partition, BuildStatus.SKIPPED, RowCounts.NONE, -1, Duration.ZERO, new GateResult(java.util.List.of()),
        message, 0, null, false, BuildMetrics.NONE, upstream);
  }

  public TableBuildResult withMessage(String text) {
    return new TableBuildResult(table, layer, partition, status, counts, deltaVersion, duration, gate, text, attempt, errorClass, retryable, metrics,
        upstream);
  }

  public TableBuildResult withAttempt(int n) {
    return new TableBuildResult(
        table, layer, partition, status, counts, deltaVersion, duration, gate, message, n, errorClass, retryable, metrics, upstream);
  }

  /** This build as the public API reports it. */
  public dev.strata.api.BuildOutcome outcome() {
    var rows = counts.known()
        ? new dev.strata.api.BuildOutcome.Rows(counts.in(), counts.published(), counts.quarantined(), counts.filtered())
        : dev.strata.api.BuildOutcome.Rows.UNKNOWN;
    var failed = gate.results().stream().filter(r -> !r.passed())
        .map(r -> new dev.strata.api.BuildOutcome.FailedRule(r.spec().text(), r.spec().group().key(), r.message())).toList();
    return new dev.strata.api.BuildOutcome(table, layer.key(), dev.strata.api.Partition.day(partition), status, rows, failed,
        deltaVersion < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(deltaVersion), attempt, duration,
        message == null ? "" : message);
  }

  /** Rows that passed every row-level rule (published, if the gate passed), or -1. */
  public long rows() {
    return counts.published();
  }
}

package dev.strata.jobs.run;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.definition.Layer;
import dev.strata.quality.GateResult;
import java.time.Duration;

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
 * @param message why it was not published; for a published build, what it notes (its late rows,
 *     why a run it was not asked for built it) and any warning, else empty
 * @param attempt which attempt this was, from 1
 * @param errorClass the class of the exception that failed the build, or null
 * @param retryable whether the failure was transient, so that another attempt may succeed
 * @param metrics null and duplicate counts, files and bytes written, or {@link BuildMetrics#NONE}
 * @param upstream the upstream table whose partition kept this one from building (it did not
 *     publish: this build was SKIPPED or NOT_READY), or null
 * @param step what its external step did, for a table built by one ({@code step:}) whose command ran; else null
 */
public record TableBuildResult(
    String table,
    Layer layer,
    Partition partition,
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
    String upstream,
    StepRun step) {

  /**
   * What the reason of a build starts with that waits because its source's circuit breaker is
   * open: such builds do not alert (the run that opened it did, once).
   */
  public static final String CIRCUIT_OPEN = "circuit open";

  /** Whether this build waits only because a source's circuit is open. */
  public boolean waitsOnOpenCircuit() {
    return status == BuildStatus.NOT_READY && message != null && message.contains(": " + CIRCUIT_OPEN + " for source");
  }

  /** How the message of a published build starts when a step after its commit failed (the commit stands). */
  public static final String WARNING = "warning: ";

  /**
   * What the build of a partition by event time says of its rows that landed after it, in its
   * message ({@code 12 rows landed after 2024-03-01: 2024-03-02 (5), 2024-03-03 (7)}), if it had any.
   */
  public static java.util.Optional<String> lateRows(String message) {
    return message == null ? java.util.Optional.empty()
        : java.util.Arrays.stream(message.split("; ")).filter(m -> m.matches("[\\d,]+ rows? landed after .*")).findFirst();
  }

  public TableBuildResult {
    java.util.Objects.requireNonNull(table, "table");
    java.util.Objects.requireNonNull(partition, "partition");
    java.util.Objects.requireNonNull(status, "status");
  }

  /**
   * A result of building {@code table}'s {@code partition}, to be completed: by default not
   * attempted, no rows counted, nothing published, no gate, no metrics.
   */
  public static Builder builder(String table, Layer layer, Partition partition, BuildStatus status) {
    return new Builder(table, layer, partition, status);
  }

  /** A builder holding this result, to change some of it. */
  public Builder toBuilder() {
    Builder b = new Builder(table, layer, partition, status);
    b.counts = counts;
    b.deltaVersion = deltaVersion;
    b.duration = duration;
    b.gate = gate;
    b.message = message;
    b.attempt = attempt;
    b.errorClass = errorClass;
    b.retryable = retryable;
    b.metrics = metrics;
    b.upstream = upstream;
    b.step = step;
    return b;
  }

  /** A build that was not attempted because an upstream build of this run did not publish. */
  public static TableBuildResult skipped(String table, Layer layer, Partition partition, String upstream, String message) {
    return builder(table, layer, partition, BuildStatus.SKIPPED).message(message).upstream(upstream).build();
  }

  public TableBuildResult withMessage(String text) {
    return toBuilder().message(text).build();
  }

  public TableBuildResult withAttempt(int n) {
    return toBuilder().attempt(n).build();
  }

  /** Names each part of a {@link TableBuildResult} as it is set. */
  public static final class Builder {
    private final String table;
    private final Layer layer;
    private final Partition partition;
    private final BuildStatus status;
    private RowCounts counts = RowCounts.NONE;
    private long deltaVersion = -1;
    private Duration duration = Duration.ZERO;
    private GateResult gate = new GateResult(java.util.List.of());
    private String message = "";
    private int attempt;
    private String errorClass;
    private boolean retryable;
    private BuildMetrics metrics = BuildMetrics.NONE;
    private String upstream;
    private StepRun step;

    private Builder(String table, Layer layer, Partition partition, BuildStatus status) {
      this.table = table;
      this.layer = layer;
      this.partition = partition;
      this.status = status;
    }

    public Builder counts(RowCounts value) {
      this.counts = value;
      return this;
    }

    public Builder deltaVersion(long value) {
      this.deltaVersion = value;
      return this;
    }

    public Builder duration(Duration value) {
      this.duration = value;
      return this;
    }

    public Builder gate(GateResult value) {
      this.gate = value;
      return this;
    }

    public Builder message(String value) {
      this.message = value;
      return this;
    }

    public Builder attempt(int value) {
      this.attempt = value;
      return this;
    }

    /** The build failed with this exception class; {@code transient}: another attempt may succeed. */
    public Builder failure(String exceptionClass, boolean isTransient) {
      this.errorClass = exceptionClass;
      this.retryable = isTransient;
      return this;
    }

    public Builder metrics(BuildMetrics value) {
      this.metrics = value;
      return this;
    }

    public Builder upstream(String table) {
      this.upstream = table;
      return this;
    }

    public Builder step(StepRun value) {
      this.step = value;
      return this;
    }

    public TableBuildResult build() {
      return new TableBuildResult(
          table, layer, partition, status, counts, deltaVersion, duration, gate, message, attempt, errorClass, retryable, metrics, upstream, step);
    }
  }

  /** This build as the public API reports it. */
  public dev.strata.api.BuildOutcome outcome() {
    var rows = counts.known()
        ? new dev.strata.api.BuildOutcome.Rows(counts.in(), counts.published(), counts.quarantined(), counts.filtered())
        : dev.strata.api.BuildOutcome.Rows.UNKNOWN;
    var failed = gate.results().stream().filter(r -> !r.passed())
        .map(r -> new dev.strata.api.BuildOutcome.FailedRule(r.spec().text(), r.spec().group().key(), r.message())).toList();
    return new dev.strata.api.BuildOutcome(table, layer.key(), partition, status, rows, failed,
        deltaVersion < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(deltaVersion), attempt, duration,
        message == null ? "" : message);
  }

  /** Rows that passed every row-level rule (published, if the gate passed), or -1. */
  public long rows() {
    return counts.published();
  }
}

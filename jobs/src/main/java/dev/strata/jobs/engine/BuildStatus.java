package dev.strata.jobs.engine;

import dev.strata.jobs.ExitCode;

/** What became of one table partition in a run. */
public enum BuildStatus {
  /** The gate passed and the partition was replaced in one commit. */
  PUBLISHED(ExitCode.OK),
  /** An error rule failed: nothing was published; the table keeps its previous rows. */
  BLOCKED(ExitCode.GATE_BLOCKED),
  /** An upstream table in this run did not publish the partition, so this one was not built. */
  SKIPPED(ExitCode.GATE_BLOCKED),
  /** An upstream table outside this run has not published the partition. */
  NOT_READY(ExitCode.UPSTREAM_NOT_READY),
  /** Another run held this table partition for longer than the run would wait; it was not built. */
  LOCKED(ExitCode.LOCKED),
  /** The input was invalid (missing files, header mismatch); nothing was written. */
  INVALID(ExitCode.INVALID),
  /** The build failed with an error; nothing was published. */
  FAILED(ExitCode.JOB_FAILED);

  private final int exitCode;

  BuildStatus(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  /**
   * How bad an outcome is, for a run's exit code: a failure beats a bad input, which beats a
   * partition held by another run, then an upstream not ready, then a gate block.
   */
  int severity() {
    return switch (this) {
      case PUBLISHED -> 0;
      case BLOCKED, SKIPPED -> 1;
      case NOT_READY -> 2;
      case LOCKED -> 3;
      case INVALID -> 4;
      case FAILED -> 5;
    };
  }
}

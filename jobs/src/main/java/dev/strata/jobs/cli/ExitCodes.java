package dev.strata.jobs.cli;

import dev.strata.api.BuildStatus;
import dev.strata.api.StrataException;

/**
 * The process exit codes of every Strata entry point, and the one place outcomes become exit codes.
 * Documented in README.md.
 */
public final class ExitCodes {
  /** Everything built and published. */
  public static final int OK = 0;
  /** A bug in Strata: an unexpected exception outside any table build. */
  public static final int BUG = 1;
  /** Invalid usage, definition or input; nothing was written. */
  public static final int INVALID = 2;
  /** A quality gate blocked publication of at least one table. */
  public static final int GATE_BLOCKED = 3;
  /** A table build failed (an exception in its transform, read or write). */
  public static final int JOB_FAILED = 4;
  /** An upstream table has not published the partition this build needs. */
  public static final int UPSTREAM_NOT_READY = 5;
  /** Another run was building the same table partition, and still was after the wait allowed. */
  public static final int LOCKED = 6;

  private ExitCodes() {}

  /** What a run whose worst outcome is {@code status} exits with. */
  public static int of(BuildStatus status) {
    return switch (status) {
      case PUBLISHED -> OK;
      case BLOCKED, SKIPPED -> GATE_BLOCKED;
      case NOT_READY -> UPSTREAM_NOT_READY;
      case LOCKED -> LOCKED;
      case INVALID -> INVALID;
      case FAILED -> JOB_FAILED;
    };
  }

  /** What a command that threw {@code e} exits with. */
  public static int of(StrataException e) {
    if (e instanceof StrataException.InvalidException) {
      return INVALID;
    }
    if (e instanceof StrataException.UpstreamNotReadyException) {
      return UPSTREAM_NOT_READY;
    }
    if (e instanceof StrataException.LockedException) {
      return LOCKED;
    }
    return JOB_FAILED;
  }
}

package dev.strata.jobs;

/** The process exit codes of every Strata entry point. Documented in README.md. */
public final class ExitCode {
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

  private ExitCode() {}
}

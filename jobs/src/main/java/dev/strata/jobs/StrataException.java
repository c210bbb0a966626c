package dev.strata.jobs;

/**
 * The one user-facing exception of Strata. Its message says what is wrong, where, and how to fix
 * it; {@link #exitCode()} is what the CLI exits with. Build instances through {@link Errors}.
 */
public class StrataException extends RuntimeException {
  private final int exitCode;

  public StrataException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public StrataException(int exitCode, String message) {
    this(exitCode, message, null);
  }

  public int exitCode() {
    return exitCode;
  }

  /** A definition, flag or input is invalid; nothing was written. Exit 2. */
  public static final class InvalidException extends StrataException {
    public InvalidException(String message, Throwable cause) {
      super(ExitCode.INVALID, message, cause);
    }
  }

  /** An upstream table is not ready for the partition being built. Exit 5. */
  public static final class UpstreamNotReadyException extends StrataException {
    private final String upstream;

    public UpstreamNotReadyException(String message) {
      this(message, null);
    }

    /** @param upstream the upstream table that has not published, or null if what is not ready is a source */
    public UpstreamNotReadyException(String message, String upstream) {
      super(ExitCode.UPSTREAM_NOT_READY, message, null);
      this.upstream = upstream;
    }

    /** The upstream table that has not published the partition, or null. */
    public String upstream() {
      return upstream;
    }
  }

  /** A table build failed. Exit 4. */
  public static final class JobFailedException extends StrataException {
    public JobFailedException(String message, Throwable cause) {
      super(ExitCode.JOB_FAILED, message, cause);
    }
  }

  /** Another run holds the lease on a table partition this run must build. Exit 6. */
  public static final class LockedException extends StrataException {
    public LockedException(String message) {
      super(ExitCode.LOCKED, message, null);
    }
  }
}

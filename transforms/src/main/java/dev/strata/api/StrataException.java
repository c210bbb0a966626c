package dev.strata.api;

/**
 * What Strata throws at its users. The message says what is wrong, where, and how to fix it; the
 * subclass says what kind of problem it is. How an entry point reports it (the command line's exit
 * codes, say) is the entry point's business, not the exception's.
 */
public abstract class StrataException extends RuntimeException {
  protected StrataException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A definition, flag, name, date or input is invalid; nothing was written. */
  public static final class InvalidException extends StrataException {
    public InvalidException(String message, Throwable cause) {
      super(message, cause);
    }

    public InvalidException(String message) {
      this(message, null);
    }
  }

  /** An upstream table or a source is not ready for the partition being built. */
  public static final class UpstreamNotReadyException extends StrataException {
    private final String upstream;

    public UpstreamNotReadyException(String message) {
      this(message, null);
    }

    /** @param upstream the upstream table that has not published, or null if what is not ready is a source */
    public UpstreamNotReadyException(String message, String upstream) {
      super(message, null);
      this.upstream = upstream;
    }

    /** The upstream table that has not published the partition, or null. */
    public String upstream() {
      return upstream;
    }
  }

  /** A table build, or the bookkeeping around it, failed. */
  public static final class JobFailedException extends StrataException {
    public JobFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Another run holds the lease on a table partition this run must build. */
  public static final class LockedException extends StrataException {
    public LockedException(String message) {
      super(message, null);
    }
  }
}

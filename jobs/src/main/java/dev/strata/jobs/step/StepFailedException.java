package dev.strata.jobs.step;

import dev.strata.jobs.run.StepRun;

/**
 * An external step's command ended without success: a non-zero exit code, or killed for its
 * timeout. Transient if its exit code is one the table declares transient ({@code
 * transient_exit_codes}): the build is then retried as its {@code retry:} says.
 */
public final class StepFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient StepRun record;
  private final boolean transientFailure;

  public StepFailedException(String message, StepRun record, boolean transientFailure) {
    super(message);
    this.record = record;
    this.transientFailure = transientFailure;
  }

  /** What the ledger records of it: exit code, metrics, log. */
  public StepRun record() {
    return record;
  }

  public boolean transientFailure() {
    return transientFailure;
  }
}

package dev.strata.jobs.engine;

import dev.strata.jobs.definition.RetryPolicy;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.LoggerFactory;
import org.slf4j.Logger;

/** Runs an action again after a transient failure ({@link Transience}), waiting as a {@link RetryPolicy} says. */
public final class Retrier {
  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);
  /** For the engine's own small writes (ledger rows, locks): a few quick attempts. */
  public static final RetryPolicy BOOKKEEPING = new RetryPolicy(5, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(20));

  private Retrier() {}

  /** Calls {@code action} until it returns, retrying transient failures; rethrows the last failure. */
  public static <T> T call(RetryPolicy policy, String what, Supplier<T> action) {
    RandomGenerator random = RandomGenerator.getDefault();
    for (int attempt = 1; ; attempt++) {
      try {
        return action.get();
      } catch (Exception e) {
        // Exception, not RuntimeException: Scala code (Delta, Spark) throws IOException undeclared.
        if (attempt >= policy.maxAttempts() || !Transience.isTransient(e)) {
          if (policy == BOOKKEEPING && Transience.isTransient(e)) {
            throw new dev.strata.api.StrataException.JobFailedException(
                "Cannot " + what + " after " + attempt + " attempts: " + e.getClass().getSimpleName() + ": "
                    + dev.strata.jobs.Errors.firstLine(String.valueOf(e.getMessage()))
                    + ". The warehouse's storage did not answer. Every table partition is either published or as it was"
                    + " (each write is one atomic commit); when the storage is back, run again or resume the run (strata run --resume RUN_ID).",
                e);
          }
          String storage = e instanceof dev.strata.api.StrataException ? null : Transience.storageFailure(e);
          if (policy == BOOKKEEPING && storage != null) {
            throw new dev.strata.api.StrataException.JobFailedException(
                "Cannot " + what + ": the warehouse's storage refused it (" + storage + "). Every table"
                    + " partition is either published or as it was (each write is one atomic commit). Make the warehouse"
                    + " writable (permissions, free space), then run again or resume the run (strata run --resume RUN_ID).",
                e);
          }
          throw e instanceof RuntimeException re ? re : new java.io.UncheckedIOException(
              e instanceof java.io.IOException io ? io : new java.io.IOException(e));
        }
        Duration wait = policy.delayBefore(attempt + 1, random);
        LOG.warn("{} failed (attempt {} of {}), retrying in {} ms: {}", what, attempt, policy.maxAttempts(), wait.toMillis(), e.toString());
        sleep(wait);
      }
    }
  }

  public static void run(RetryPolicy policy, String what, Runnable action) {
    call(policy, what, () -> {
      action.run();
      return null;
    });
  }

  /** Sleeps; an interrupt ends the sleep early and is kept for the caller to see. */
  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

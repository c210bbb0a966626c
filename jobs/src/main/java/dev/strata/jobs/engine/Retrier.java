package dev.strata.jobs.engine;

import dev.strata.jobs.definition.RetryPolicy;
import java.time.Duration;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an action again after a transient failure ({@link Transience}), waiting as a {@link
 * RetryPolicy} says: the engine's one retry loop ({@link #attempts}), for its own writes (ledger,
 * locks, reports) and for whole table builds.
 */
public final class Retrier {
  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);
  /** For the engine's own small writes (ledger rows, locks): a few quick attempts. */
  public static final RetryPolicy BOOKKEEPING = new RetryPolicy(5, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(20));

  private Retrier() {}

  /** Told before each retry: the attempt that failed, its number (from 1), and how long it waits. */
  @FunctionalInterface
  public interface BeforeRetry<T> {
    void retrying(T failed, int attempt, Duration wait);
  }

  /**
   * The one retry loop: makes attempts 1, 2, ... until one returns a result {@code retry} does not
   * ask to repeat, or the policy's attempts run out, waiting between them as the policy says.
   *
   * @return the last attempt's result
   */
  public static <T> T attempts(RetryPolicy policy, IntFunction<T> attempt, Predicate<T> retry, BeforeRetry<T> before) {
    RandomGenerator random = RandomGenerator.getDefault();
    for (int n = 1; ; n++) {
      T result = attempt.apply(n);
      if (n >= policy.maxAttempts() || !retry.test(result)) {
        return result;
      }
      Duration wait = policy.delayBefore(n + 1, random);
      before.retrying(result, n, wait);
      sleep(wait);
    }
  }

  /** One attempt of {@link #call}: its value, or what it threw. */
  private record Tried<T>(T value, Exception failure, int attempt) {}

  /** Calls {@code action} until it returns, retrying transient failures; rethrows the last failure. */
  public static <T> T call(RetryPolicy policy, String what, Supplier<T> action) {
    Tried<T> last = attempts(
        policy,
        n -> {
          try {
            return new Tried<>(action.get(), null, n);
          } catch (Exception e) {
            // Exception, not RuntimeException: Scala code (Delta, Spark) throws IOException undeclared.
            return new Tried<>(null, e, n);
          }
        },
        t -> t.failure() != null && Transience.isTransient(t.failure()),
        (t, n, wait) -> LOG.warn("{} failed (attempt {} of {}), retrying in {} ms: {}", what, n, policy.maxAttempts(), wait.toMillis(),
            t.failure().toString()));
    Exception e = last.failure();
    if (e == null) {
      return last.value();
    }
    if (policy == BOOKKEEPING && Transience.isTransient(e)) {
      throw new dev.strata.api.StrataException.JobFailedException(
          "Cannot " + what + " after " + last.attempt() + " attempts: " + e.getClass().getSimpleName() + ": "
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

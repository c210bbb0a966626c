package dev.strata.jobs.definition;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How often and how patiently a table build is retried after a transient failure (an I/O or
 * object-store error, a lost executor, a Delta concurrent-commit conflict). Deterministic failures
 * (analysis errors, schema mismatches, failed gates) are never retried.
 *
 * @param maxAttempts attempts in all, the first included; 1 disables retries
 * @param firstDelay the wait before the second attempt
 * @param multiplier each further wait is this many times the previous one
 * @param maxDelay no wait is longer than this
 */
public record RetryPolicy(int maxAttempts, Duration firstDelay, double multiplier, Duration maxDelay) {
  /** Three attempts, 5 s then 10 s apart (with jitter), never more than 2 minutes apart. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofSeconds(5), 2.0, Duration.ofMinutes(2));

  public RetryPolicy {
    if (maxAttempts < 1 || multiplier < 1 || firstDelay.isNegative() || maxDelay.isNegative()) {
      throw new IllegalArgumentException("invalid retry policy " + maxAttempts + " " + firstDelay + " " + multiplier + " " + maxDelay);
    }
  }

  /**
   * The wait before attempt {@code next} (2 for the first retry): exponential, capped, with "equal
   * jitter" (between half and all of the exponential delay), so that builds failing together on
   * the same outage do not retry in lockstep.
   */
  public Duration delayBefore(int next, RandomGenerator random) {
    double exponential = firstDelay.toMillis() * Math.pow(multiplier, Math.max(0, next - 2));
    double capped = Math.min(exponential, maxDelay.toMillis());
    return Duration.ofMillis(Math.round(capped / 2 + random.nextDouble() * capped / 2));
  }
}

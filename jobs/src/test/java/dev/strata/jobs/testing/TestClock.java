package dev.strata.jobs.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test moves: set to a time (then still), or the system's time moved ahead. */
public final class TestClock extends Clock {
  private volatile Instant fixed;
  private volatile Duration ahead = Duration.ZERO;

  private TestClock(Instant fixed) {
    this.fixed = fixed;
  }

  /** Still at {@code start} until set again. */
  public static TestClock at(Instant start) {
    return new TestClock(start);
  }

  /** The system's time, until moved ahead. */
  public static TestClock ticking() {
    return new TestClock(null);
  }

  public void set(Instant t) {
    fixed = t;
    ahead = Duration.ZERO;
  }

  public void advance(Duration d) {
    ahead = ahead.plus(d);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    Instant base = fixed;
    return (base == null ? Instant.now() : base).plus(ahead);
  }
}

package dev.strata.jobs.testing;

import dev.strata.jobs.engine.Steps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Faults injected into real builds, for the tests that prove retries and crash safety: the {@link
 * Steps} of the engine, with failures and pauses at the steps named. In-process through {@link
 * Cli#runWithFaults}; in a Strata process of its own through {@link FaultyStrataMain} ({@code
 * -Dstrata.faults=...}), as {@link StrataProcess} starts it.
 *
 * <p>Each fault is {@code ACTION:TABLE:POINT[:N]}, several separated by {@code ;}:
 *
 * <ul>
 *   <li>{@code io-error:T:commit:N}: the first N builds of table T that reach the point just
 *       before their Delta commit throw an {@link IOException}, as a flaky object store would.
 *   <li>{@code fail:T:POINT:N}: the same with an {@link IllegalStateException}, a failure that is
 *       not transient (not retried).
 *   <li>Points: {@code commit} (just before a build's Delta commit); after it, {@code cleanup}
 *       (deleting its staging), {@code record-files} (recording the landing files it read) and
 *       {@code record-build} (recording the build in the ledger); for a run, with the pipeline's
 *       name in place of T, {@code report} (writing the quality report) and {@code run-end}
 *       (recording the run's end); for a Kafka source, with its name in place of T, {@code
 *       record-landed} (recording a pulled batch landed, after its files are in place).
 *   <li>{@code pause:T:commit:MILLIS}: builds of T stop there for MILLIS, after printing {@code
 *       strata-fault: paused T ...} on standard error, so that a test can kill or race the process;
 *       the pause ends early once the file named by {@code -Dstrata.faults.release} exists.
 * </ul>
 */
public final class Faults implements Steps {
  /** The system property holding the faults. */
  public static final String PROPERTY = "strata.faults";
  /** No faults: production. */
  public static final Faults NONE = new Faults(List.of());

  private record Fault(String action, String table, String point, long amount, AtomicInteger fired) {}

  private final List<Fault> faults;

  private Faults(List<Fault> faults) {
    this.faults = faults;
  }

  /** The faults the JVM was started with, usually {@link #NONE}. */
  public static Faults fromSystemProperties() {
    String spec = System.getProperty(PROPERTY, "").strip();
    return spec.isEmpty() ? NONE : parse(spec);
  }

  public static Faults parse(String spec) {
    List<Fault> parsed = new ArrayList<>();
    for (String one : spec.split(";")) {
      String[] parts = one.strip().split(":");
      if (parts.length != 4 || !List.of("io-error", "fail", "pause").contains(parts[0])) {
        throw new IllegalArgumentException("bad " + PROPERTY + " entry '" + one + "': expected io-error|fail|pause:TABLE:POINT:N");
      }
      parsed.add(new Fault(parts[0], parts[1], parts[2].toLowerCase(Locale.ROOT), Long.parseLong(parts[3]), new AtomicInteger()));
    }
    return new Faults(List.copyOf(parsed));
  }

  @Override
  public <T> T run(String step, String subject, java.util.function.Supplier<T> action) {
    at(step, subject);
    return action.get();
  }

  /** Called by a build of {@code table} as it reaches {@code point}. */
  private void at(String point, String table) {
    for (Fault f : faults) {
      if (!f.table().equals(table) || !f.point().equals(point)) {
        continue;
      }
      if (f.action().equals("io-error") && f.fired().incrementAndGet() <= f.amount()) {
        throw new UncheckedIOException(
            new IOException("injected fault " + f.fired().get() + " of " + f.amount() + " at " + point + " of " + table));
      }
      if (f.action().equals("fail") && f.fired().incrementAndGet() <= f.amount()) {
        throw new IllegalStateException("injected failure " + f.fired().get() + " of " + f.amount() + " at " + point + " of " + table);
      }
      if (f.action().equals("pause")) {
        System.err.println("strata-fault: paused " + table + " at " + point + " for " + Duration.ofMillis(f.amount()));
        System.err.flush();
        String release = System.getProperty(PROPERTY + ".release");
        long until = System.currentTimeMillis() + f.amount();
        while (System.currentTimeMillis() < until && (release == null || !new java.io.File(release).exists())) {
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }
}

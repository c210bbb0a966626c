package dev.strata.jobs.engine;

import java.util.function.Supplier;

/**
 * How the engine runs its steps with side effects: a build's commit, the cleanup and bookkeeping
 * after it, a run's report and its end in the ledger. Production runs them as they are ({@link
 * #DIRECT}); the tests that prove retries and crash safety substitute an implementation that fails
 * or pauses one of them, so that fault injection lives in test code only.
 *
 * <p>Step names: {@code commit} (a build's Delta commit), {@code cleanup} (deleting its staging),
 * {@code record-files} (recording the landing files it read), {@code record-build} (recording the
 * build in the ledger), each with the table as subject; {@code report} (writing a run's quality
 * report) and {@code run-end} (recording its end), with the pipeline as subject.
 */
@FunctionalInterface
public interface Steps {
  /** Every step as it is: production. */
  Steps DIRECT = new Steps() {
    @Override
    public <T> T run(String step, String subject, Supplier<T> action) {
      return action.get();
    }
  };

  /** Runs one step of {@code subject} (a table, or a pipeline) and returns what it returned. */
  <T> T run(String step, String subject, Supplier<T> action);

  /** {@link #run} for a step that returns nothing. */
  default void run(String step, String subject, Runnable action) {
    run(step, subject, () -> {
      action.run();
      return null;
    });
  }
}

package dev.strata.jobs.output;

import dev.strata.api.Options;
import dev.strata.api.Sink;

/**
 * A built-in sink whose delivery has steps the engine observes: it names each as it reaches it, so
 * that the engine's {@link dev.strata.jobs.engine.Steps} (production: nothing; the crash tests: a
 * pause to kill the process at) run there.
 */
public interface Checkpointed extends Sink {
  /** Called by a delivery as it reaches a named step, before doing it. */
  @FunctionalInterface
  interface Checkpoint {
    Checkpoint NONE = step -> {};

    void reached(String step);
  }

  Receipt deliver(Delivery delivery, Options options, Checkpoint checkpoint);

  @Override
  default Receipt deliver(Delivery delivery, Options options) {
    return deliver(delivery, options, Checkpoint.NONE);
  }
}

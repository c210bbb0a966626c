package dev.strata.jobs.run;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an external step did in a build: recorded in the ledger ({@code builds.step_*}) for every
 * attempt that ran its command, published or failed.
 *
 * @param exitCode its exit code, or -1 if it was killed for running past its timeout
 * @param metrics what it reported, each value as JSON text
 * @param log where its log was kept (under the run's report folder)
 */
public record StepRun(int exitCode, Map<String, String> metrics, String log) {
  public StepRun {
    metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }
}

package dev.strata.jobs.engine;

import dev.strata.jobs.ExitCode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;

/**
 * The outcome of a run.
 *
 * @param runId the run's id, also the name of its report folder
 * @param pipeline the pipeline's name
 * @param partitions the partitions the run covered
 * @param startedAt when it started
 * @param endedAt when it ended
 * @param builds one result per table and partition, in build order
 * @param reportPath where the quality report was written
 * @param incidents the table partitions it left unpublished, explained ({@link Incidents})
 */
public record RunResult(
    String runId,
    String pipeline,
    List<LocalDate> partitions,
    Instant startedAt,
    Instant endedAt,
    List<TableBuildResult> builds,
    String reportPath,
    List<Incident> incidents) {

  public RunResult {
    builds = List.copyOf(builds);
    incidents = List.copyOf(incidents);
  }

  /** A run's result with its incidents as a run started from code would explain them (the pipeline's name, no options). */
  public RunResult(
      String runId, String pipeline, List<LocalDate> partitions, Instant startedAt, Instant endedAt, List<TableBuildResult> builds,
      String reportPath) {
    this(runId, pipeline, partitions, startedAt, endedAt, builds, reportPath,
        Incidents.of(runId, pipeline, builds, Invocation.DEFAULT, null, null));
  }

  /** The worst outcome among the builds. */
  public BuildStatus status() {
    return builds.stream()
        .map(TableBuildResult::status)
        .max(Comparator.comparingInt(BuildStatus::severity))
        .orElse(BuildStatus.PUBLISHED);
  }

  public int exitCode() {
    return builds.isEmpty() ? ExitCode.OK : status().exitCode();
  }
}

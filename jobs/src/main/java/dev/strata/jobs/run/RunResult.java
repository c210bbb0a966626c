package dev.strata.jobs.run;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import java.time.Instant;
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
 * @param exitCode what the entry point that started it exits with (the entry point's mapping of outcomes)
 * @param deliveries each delivery of a published partition to an output: its last attempt
 */
public record RunResult(
    String runId,
    String pipeline,
    List<Partition> partitions,
    Instant startedAt,
    Instant endedAt,
    List<TableBuildResult> builds,
    String reportPath,
    List<Incident> incidents,
    int exitCode,
    List<DeliveryResult> deliveries) {

  public RunResult {
    builds = List.copyOf(builds);
    incidents = List.copyOf(incidents);
    deliveries = List.copyOf(deliveries);
  }

  /** A run without outputs. */
  public RunResult(
      String runId, String pipeline, List<Partition> partitions, Instant startedAt, Instant endedAt, List<TableBuildResult> builds,
      String reportPath, List<Incident> incidents, int exitCode) {
    this(runId, pipeline, partitions, startedAt, endedAt, builds, reportPath, incidents, exitCode, List.of());
  }

  /**
   * A run's result with its incidents as a run started from code would explain them (the pipeline's
   * name, no options).
   */
  public RunResult(
      String runId, String pipeline, List<Partition> partitions, Instant startedAt, Instant endedAt, List<TableBuildResult> builds,
      String reportPath, int exitCode) {
    this(runId, pipeline, partitions, startedAt, endedAt, builds, reportPath,
        Incidents.of(runId, pipeline, builds, Invocation.DEFAULT, null, null), exitCode);
  }

  /** This run as the public API reports it. */
  public dev.strata.api.RunOutcome outcome() {
    return new dev.strata.api.RunOutcome(runId, pipeline, partitions, startedAt,
        endedAt, builds.stream().map(TableBuildResult::outcome).toList(), reportPath == null ? "" : reportPath);
  }

  /** The worst outcome among the builds, and FAILED if a delivery failed (the table it delivers stays published). */
  public BuildStatus status() {
    return worst(builds, deliveries);
  }

  /** The worst of the builds' outcomes and the deliveries' (a failed delivery counts as FAILED). */
  public static BuildStatus worst(List<TableBuildResult> builds, List<DeliveryResult> deliveries) {
    List<BuildStatus> all = new java.util.ArrayList<>(builds.stream().map(TableBuildResult::status).toList());
    deliveries.stream().filter(d -> !d.delivered()).forEach(d -> all.add(BuildStatus.FAILED));
    return BuildStatus.worst(all);
  }

  /** The deliveries that failed. */
  public List<DeliveryResult> failedDeliveries() {
    return deliveries.stream().filter(d -> !d.delivered()).toList();
  }
}

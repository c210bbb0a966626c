package dev.strata.jobs.ledger;

import dev.strata.jobs.run.UnitId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One table partition as the ledger knows it: its latest build, and its latest published build
 * (empty if it never published).
 */
public record UnitState(BuildRecord latest, Optional<Published> lastPublished) {
  public UnitState {
    Objects.requireNonNull(latest, "latest");
    Objects.requireNonNull(lastPublished, "lastPublished");
  }

  /**
   * The latest build of a table partition that published.
   *
   * @param runId the run that published it
   * @param recordedAt when the ledger recorded it
   * @param deltaVersion the Delta version it published, or -1
   * @param rowsPublished the rows it published, or -1 if not known
   */
  public record Published(String runId, Instant recordedAt, long deltaVersion, long rowsPublished) {}

  public UnitId unit() {
    return latest.unit();
  }
}

package dev.strata.jobs.ledger;

import dev.strata.jobs.run.UnitId;
import java.util.Objects;
import java.util.Optional;

/**
 * One table partition as the ledger knows it: its latest build, and its latest published build
 * (the same record when the latest build published; empty if it never did).
 */
public record UnitState(BuildRecord latest, Optional<BuildRecord> lastPublished) {
  public UnitState {
    Objects.requireNonNull(latest, "latest");
    Objects.requireNonNull(lastPublished, "lastPublished");
  }

  public UnitId unit() {
    return latest.unit();
  }
}

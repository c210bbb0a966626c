package dev.strata.jobs.ledger;

import java.time.Instant;
import java.time.LocalDate;

/**
 * A table build as the ledger recorded it.
 *
 * @param runId the run that built it
 * @param table the table
 * @param partition the partition
 * @param status PUBLISHED, BLOCKED, SKIPPED, NOT_READY, INVALID or FAILED
 * @param deltaVersion the Delta version it published, or -1
 * @param recordedAt when it was recorded
 */
public record BuildRecord(String runId, String table, LocalDate partition, String status, long deltaVersion, Instant recordedAt) {
  public boolean published() {
    return "PUBLISHED".equals(status);
  }
}

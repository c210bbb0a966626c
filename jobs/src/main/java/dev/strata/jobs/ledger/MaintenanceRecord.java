package dev.strata.jobs.ledger;

import java.time.Instant;

/**
 * One action of {@code strata maintain}, as the ledger records it ({@code _strata/ledger/maintenance}).
 *
 * @param maintenanceId the maintenance that took it (an id of the form of a run's)
 * @param pipeline the pipeline maintained
 * @param action what it did: optimize, vacuum, expire_quarantine, remove_staging, remove_report, compact_ledger
 * @param table the table it was done to, or empty (staging, reports, the ledger)
 * @param partition the partition, or empty (a whole table)
 * @param target the path it was done to
 * @param status DONE, SKIPPED (another run held the partition's lease; done by the next maintenance) or FAILED
 * @param filesRemoved files it removed (from the table's log, or from storage), -1 if unknown
 * @param filesAdded files it added (compaction), -1 if unknown
 * @param bytesRemoved bytes it removed, -1 if unknown
 * @param message what it found or why it failed, in words
 * @param durationMs how long it took
 * @param recordedAt when it ended
 * @param schedule the scheduled job the maintenance ran as ({@code <pipeline>.<schedule>}), or null
 * @param scheduledFor the fire time of the job's interval it ran for, or null
 */
public record MaintenanceRecord(
    String maintenanceId, String pipeline, String action, String table, String partition, String target, String status, long filesRemoved,
    long filesAdded, long bytesRemoved, String message, long durationMs, Instant recordedAt, String schedule, Instant scheduledFor) {
  public static final String DONE = "DONE";
  public static final String SKIPPED = "SKIPPED";
  public static final String FAILED = "FAILED";
}

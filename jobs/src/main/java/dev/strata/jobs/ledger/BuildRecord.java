package dev.strata.jobs.ledger;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.run.UnitId;
import java.sql.Timestamp;
import java.time.Instant;
import org.apache.spark.sql.Row;

/**
 * A table build as the ledger recorded it.
 *
 * @param runId the run that built it
 * @param unit the table partition
 * @param status what the build came to
 * @param attempt which attempt of the run it was, from 1
 * @param deltaVersion the Delta version it published, or -1
 * @param rowsPublished the rows it published, or -1 if not known
 * @param message why it was not published (or a note on a published build), or ""
 * @param recordedAt when it was recorded
 */
public record BuildRecord(
    String runId, UnitId unit, BuildStatus status, int attempt, long deltaVersion, long rowsPublished, String message, Instant recordedAt) {

  /** A row of the ledger's {@code builds} table. */
  static BuildRecord of(Row r) {
    return new BuildRecord(
        r.getAs("run_id"),
        UnitId.of(r.getAs("table"), Partition.parse(r.<String>getAs("partition"))),
        BuildStatus.valueOf(r.getAs("status")),
        r.isNullAt(r.fieldIndex("attempt")) ? 0 : r.<Integer>getAs("attempt"),
        r.isNullAt(r.fieldIndex("delta_version")) ? -1 : r.<Long>getAs("delta_version"),
        r.isNullAt(r.fieldIndex("rows_published")) ? -1 : r.<Long>getAs("rows_published"),
        r.isNullAt(r.fieldIndex("message")) ? "" : r.getAs("message"),
        r.<Timestamp>getAs("recorded_at").toInstant());
  }

  public String table() {
    return unit.table();
  }

  public Partition partition() {
    return unit.partition();
  }

  public boolean published() {
    return status == BuildStatus.PUBLISHED;
  }
}

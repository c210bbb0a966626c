package dev.strata.jobs.ledger;

import dev.strata.api.Partition;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.apache.spark.sql.Row;

/**
 * One delivery as the ledger recorded it ({@code _strata/ledger/deliveries}).
 *
 * @param runId the run that made it
 * @param table the table delivered
 * @param partition its partition
 * @param output the output's name
 * @param sink the sink
 * @param attempt which attempt it was
 * @param delivered whether it delivered (else FAILED)
 * @param rows the rows delivered, or -1
 * @param target where they went, without secrets
 * @param deltaVersion the table's Delta version delivered, or -1
 * @param message why it failed, or empty
 * @param recordedAt when it was recorded
 * @param lastDelivered for the latest delivery of a unit ({@link Ledger#latestDeliveries}), the
 *     latest one that delivered, if any (itself when it did)
 */
public record DeliveryRecord(
    String runId, String table, Partition partition, String output, String sink, int attempt, boolean delivered, long rows, String target,
    long deltaVersion, String message, Instant recordedAt, Optional<DeliveryRecord> lastDelivered) {

  static DeliveryRecord of(Row r) {
    return new DeliveryRecord(
        r.getAs("run_id"), r.getAs("table"), Partition.parse(r.<String>getAs("partition")), r.getAs("output"), r.getAs("sink"),
        r.<Integer>getAs("attempt"), "DELIVERED".equals(r.getAs("status")),
        r.isNullAt(r.fieldIndex("rows")) ? -1 : r.<Long>getAs("rows"), r.isNullAt(r.fieldIndex("target")) ? "" : r.getAs("target"),
        r.isNullAt(r.fieldIndex("delta_version")) ? -1 : r.<Long>getAs("delta_version"),
        r.isNullAt(r.fieldIndex("message")) ? "" : r.getAs("message"), r.<Timestamp>getAs("recorded_at").toInstant(), Optional.empty());
  }

  boolean newerThan(DeliveryRecord other) {
    int c = recordedAt.compareTo(other.recordedAt);
    return c != 0 ? c > 0 : attempt > other.attempt;
  }

  DeliveryRecord withLastDelivered(DeliveryRecord last) {
    return new DeliveryRecord(runId, table, partition, output, sink, attempt, delivered, rows, target, deltaVersion, message, recordedAt,
        Optional.ofNullable(last));
  }
}

package dev.strata.jobs.run;

import dev.strata.api.Partition;
import java.time.Duration;

/**
 * The outcome of delivering one published table partition to one of the table's outputs: a unit
 * of its own in the ledger ({@code _strata/ledger/deliveries}), beside the build it delivers.
 *
 * @param table the table
 * @param partition the partition delivered
 * @param output the output's name
 * @param sink the sink that delivered it
 * @param delivered whether it was delivered (else it FAILED: the table stays published)
 * @param rows the rows delivered, or -1 if it failed
 * @param target where they went, in words without secrets; empty if it failed before knowing
 * @param deltaVersion the Delta version of the table whose rows were delivered
 * @param attempt which attempt this was, from 1
 * @param duration how long the attempt took
 * @param message why it failed; empty if it was delivered
 * @param retryable whether the failure was transient
 */
public record DeliveryResult(
    String table, Partition partition, String output, String sink, boolean delivered, long rows, String target, long deltaVersion,
    int attempt, Duration duration, String message, boolean retryable) {

  /** The status the ledger and the run's output give it. */
  public String status() {
    return delivered ? "DELIVERED" : "FAILED";
  }

  public DeliveryResult withAttempt(int n) {
    return new DeliveryResult(table, partition, output, sink, delivered, rows, target, deltaVersion, n, duration, message, retryable);
  }

  public DeliveryResult withMessage(String m) {
    return new DeliveryResult(table, partition, output, sink, delivered, rows, target, deltaVersion, attempt, duration, m, retryable);
  }
}

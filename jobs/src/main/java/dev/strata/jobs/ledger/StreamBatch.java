package dev.strata.jobs.ledger;

import java.time.Instant;

/**
 * One topic partition's share of one batch a Kafka source pulled into its landing folders, as the
 * ledger records it ({@code _strata/ledger/stream_batches}): first PLANNED (the offsets fixed
 * before anything is read), then LANDED once its messages are files. A batch PLANNED and never
 * LANDED (its pull was killed) is pulled again over the same offsets before any other: the
 * offsets of each message are read into landing exactly once.
 *
 * @param pipeline the pipeline
 * @param source the source
 * @param batch the batch's number, from 1, per source
 * @param topic the topic
 * @param kafkaPartition the topic's partition
 * @param startOffset the first offset of the batch (inclusive)
 * @param endOffset the offset after its last (exclusive)
 * @param status PLANNED or LANDED; or RESET (a row of its own, partition -1, no offsets): the source
 *     was started over by hand ({@code strata run --reset-stream}), its next pull begins at its
 *     starting offsets
 * @param runId the run that pulled it
 * @param recordedAt when
 */
public record StreamBatch(
    String pipeline, String source, long batch, String topic, int kafkaPartition, long startOffset, long endOffset, String status,
    String runId, Instant recordedAt) {
  public static final String PLANNED = "PLANNED";
  public static final String LANDED = "LANDED";
  public static final String RESET = "RESET";

  /** Messages in its range. */
  public long messages() {
    return endOffset - startOffset;
  }
}

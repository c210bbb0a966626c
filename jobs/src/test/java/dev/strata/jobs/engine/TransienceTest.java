package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.RetryPolicy;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Encoders;
import org.junit.jupiter.api.Test;

/** Which real failures are worth a retry, and how long the waits between attempts are. */
class TransienceTest {
  @Test
  void anIoErrorInATaskIsTransientEvenWrappedInAJobAbort() {
    Throwable failure =
        catchThrowable(
            () ->
                SparkTestSession.get().createDataset(List.of(1, 2), Encoders.INT())
                    .map((MapFunction<Integer, Integer>) i -> {
                      throw new UncheckedIOException(new IOException("connection reset by object store"));
                    }, Encoders.INT())
                    .collectAsList());
    assertThat(failure).isInstanceOf(org.apache.spark.SparkException.class);
    assertThat(Transience.isTransient(failure)).isTrue();
  }

  @Test
  void analysisErrorsBugsAndStrataDecisionsAreNot() {
    Throwable analysis = catchThrowable(() -> SparkTestSession.get().sql("SELECT no_such_column FROM range(1)"));
    assertThat(Transience.isTransient(analysis)).isFalse();
    Throwable bug =
        catchThrowable(
            () ->
                SparkTestSession.get().createDataset(List.of(1), Encoders.INT())
                    .map((MapFunction<Integer, Integer>) i -> i / 0, Encoders.INT())
                    .collectAsList());
    assertThat(Transience.isTransient(bug)).isFalse();
    assertThat(Transience.isTransient(Errors.rowsMultiplied("t", dev.strata.api.Partition.day(java.time.LocalDate.EPOCH), "i", 1, 2))).isFalse();
    assertThat(Transience.isTransient(new java.io.FileNotFoundException("gone"))).isFalse();
    assertThat(Transience.isTransient(new io.delta.exceptions.ConcurrentAppendException("concurrent append"))).isTrue();
  }

  @Test
  void aFullDiskAReadOnlyStorageAndACorruptFileAreNotRetried() {
    assertThat(Transience.isTransient(new java.io.IOException("No space left on device"))).isFalse();
    assertThat(Transience.isTransient(new java.io.IOException("write failed: Read-only file system"))).isFalse();
    assertThat(Transience.isTransient(new org.apache.hadoop.fs.ChecksumException("Checksum error: file:/w/x.csv at 0", 0))).isFalse();
    // A job abort quoting its task's disk-full error, the cause not kept.
    assertThat(Transience.isTransient(new org.apache.spark.SparkException(
        "Job aborted due to stage failure: Task 0 failed: java.io.IOException: No space left on device"))).isFalse();
    // Other I/O errors still are retried.
    assertThat(Transience.isTransient(new java.io.IOException("Connection reset by peer"))).isTrue();
    assertThat(Transience.storageFailure(new RuntimeException(new java.io.IOException("No space left on device"))))
        .isEqualTo("IOException: No space left on device");
    assertThat(Transience.storageFailure(new IllegalStateException("a bug"))).isNull();
  }

  @Test
  void delaysGrowExponentiallyWithJitterUpToTheCap() {
    RetryPolicy policy = new RetryPolicy(6, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(5));
    Random random = new Random(7);
    for (int i = 0; i < 50; i++) {
      assertThat(policy.delayBefore(2, random).toMillis()).isBetween(500L, 1000L);
      assertThat(policy.delayBefore(3, random).toMillis()).isBetween(1000L, 2000L);
      assertThat(policy.delayBefore(4, random).toMillis()).isBetween(2000L, 4000L);
      assertThat(policy.delayBefore(6, random).toMillis()).isBetween(2500L, 5000L);
    }
  }
}

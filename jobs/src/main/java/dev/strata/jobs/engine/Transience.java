package dev.strata.jobs.engine;

import dev.strata.api.StrataException;
import io.delta.exceptions.DeltaConcurrentModificationException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.regex.Pattern;
import org.apache.spark.sql.AnalysisException;

/**
 * Tells a failure that may go away on its own (worth a retry) from one that will happen again.
 *
 * <p>Transient: I/O and object-store errors, lost executors and shuffle fetch failures, Delta
 * concurrent-commit conflicts, a database connection lost or refused (SQL state class 08 and the
 * like, {@link dev.strata.jobs.io.Jdbc#isTransient}). Deterministic: everything Strata itself decided (a gate, an
 * invalid input, a row count that does not add up), analysis errors (a missing column, a type
 * mismatch), missing files and denied access, and every other exception. When in doubt, a failure
 * is deterministic: retrying a bug three times only delays the alert.
 */
public final class Transience {
  /**
   * What a failed task looks like in a job-abort message when its exception could not be kept as
   * the cause (e.g. its class is unknown to the driver).
   */
  private static final Pattern TRANSIENT_TASK_FAILURE =
      Pattern.compile(
          "ExecutorLostFailure|FetchFailed|java\\.io\\.IOException|java\\.net\\.(Socket|Connect|UnknownHost)\\w*Exception"
              + "|SdkClientException|AWSClientIOException|Connection reset");

  private Transience() {}

  /**
   * Storage failures that the same write or read would meet again: a full disk or quota, a file
   * whose checksum does not match (corrupt data), a read-only file system. Never retried.
   */
  private static boolean permanentStorageFailure(Throwable t) {
    if (t.getClass().getName().equals("org.apache.hadoop.fs.ChecksumException")
        || t.getClass().getName().equals("org.apache.hadoop.fs.PathIOException") && String.valueOf(t.getMessage()).contains("Read-only")) {
      return true;
    }
    String m = String.valueOf(t.getMessage());
    // Also a job-abort message that quotes its task's IOException, when the cause was not kept.
    return (t instanceof IOException || t instanceof org.apache.spark.SparkException)
        && (m.contains("No space left on device") || m.contains("Disk quota exceeded") || m.contains("Read-only file system")
            || m.contains("Checksum error") || m.contains("ChecksumException"));
  }

  /**
   * The first storage failure in a cause chain, as "ExceptionClass: message" (the path is in the
   * message of Hadoop's and the JDK's file exceptions), or null if the chain has none.
   */
  public static String storageFailure(Throwable failure) {
    // The innermost I/O error says it best ("No space left on device", with the path); a job abort
    // that only quotes it in its message comes next.
    Throwable found = null;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IOException || (found == null && permanentStorageFailure(t))) {
        found = t;
      }
    }
    return found == null ? null : found.getClass().getSimpleName() + ": " + dev.strata.jobs.Errors.firstLine(String.valueOf(found.getMessage()));
  }

  /** True when the failure is that the storage could not be reached at all (refused, unknown host, connect timeout). */
  public static boolean unreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.NoRouteToHostException || t instanceof org.apache.hadoop.net.ConnectTimeoutException) {
        return true;
      }
    }
    return false;
  }

  public static boolean isTransient(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StrataException || t instanceof AnalysisException) {
        return false;
      }
      if (t instanceof dev.strata.jobs.step.StepFailedException step) {
        // An external step says by its exit code, as its table declares.
        return step.transientFailure();
      }
      if (t instanceof org.apache.kafka.common.errors.RetriableException) {
        // A broker that does not answer (a timeout), a leader being elected: Kafka says which of its errors pass.
        return true;
      }
      if (t instanceof DeltaConcurrentModificationException) {
        return true;
      }
      if (t instanceof java.sql.SQLException sql) {
        // A database says by its SQL state: a lost connection or a busy server passes, a syntax
        // error or a denied permission does not.
        java.util.Optional<Boolean> said = dev.strata.jobs.io.Jdbc.isTransient(sql);
        if (said.isPresent()) {
          return said.get();
        }
      }
      if (permanentStorageFailure(t)) {
        return false;
      }
      if (t instanceof FileNotFoundException || t instanceof AccessDeniedException
          || t.getClass().getName().equals("org.apache.hadoop.security.AccessControlException")) {
        return false;
      }
      if (t instanceof IOException || t.getClass().getName().endsWith("SdkClientException")
          || t.getClass().getName().equals("org.apache.spark.shuffle.FetchFailedException")) {
        return true;
      }
      if (t instanceof org.apache.spark.SparkException && t.getMessage() != null
          && TRANSIENT_TASK_FAILURE.matcher(t.getMessage()).find()) {
        return true;
      }
    }
    return false;
  }
}

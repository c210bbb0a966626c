package dev.strata.jobs;

import dev.strata.api.Partition;
import dev.strata.api.StrataException.InvalidException;
import dev.strata.api.StrataException.JobFailedException;
import dev.strata.api.StrataException.UpstreamNotReadyException;
import dev.strata.jobs.definition.Problem;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every user-facing error of the engine is built here, so that each one states what is wrong,
 * where, and what to do about it, in the same voice.
 */
public final class Errors {
  private Errors() {}

  /** Throws an {@link InvalidException} built from the message if the condition is false. */
  public static void check(boolean condition, String message, Object... args) {
    if (!condition) {
      throw new InvalidException(String.format(message, args), null);
    }
  }

  /** An {@link InvalidException} (exit 2) with this message. */
  public static InvalidException invalid(String message, Object... args) {
    return new InvalidException(String.format(message, args), null);
  }

  public static InvalidException invalidDefinition(String pipeline, List<Problem> problems) {
    return invalidDefinition(pipeline, problems, pipeline);
  }

  /**
   * A definition with problems (exit 2).
   *
   * @param validateArgs what to pass to {@code strata validate} to check it again: the pipeline
   *     argument as given, with the {@code --conf-dir} it was given, if any
   */
  public static InvalidException invalidDefinition(String pipeline, List<Problem> problems, String validateArgs) {
    String list =
        problems.stream().map(p -> "  - " + p.toString()).collect(Collectors.joining("\n"));
    return new InvalidException(
        String.format(
            "Cannot use pipeline '%s': its definition has %d problem%s:%n%s%n"
                + "Fix them and check again with: strata validate %s",
            pipeline, problems.size(), problems.size() == 1 ? "" : "s", list, validateArgs),
        null);
  }

  public static InvalidException unknownPipeline(String name, String searched) {
    return new InvalidException(
        String.format(
            "Cannot find pipeline '%s': there is no folder %s with a pipeline.yaml. Pass a pipeline"
                + " name under the conf directory (--conf-dir, or STRATA_CONF_DIR) or the path to a"
                + " definition folder.",
            name, searched),
        null);
  }

  public static dev.strata.api.StrataException.LockedException partitionLocked(
      String table, Partition partition, String who, java.time.Duration waited, String lock) {
    return new dev.strata.api.StrataException.LockedException(
        String.format(
            "Cannot build '%s' for %s: %s is building it, and still was after waiting %s. Two runs never write the"
                + " same table partition at once. Wait for that run (strata history), or raise --lock-timeout; if that"
                + " run is gone its lease (%s) expires within a minute of its last heartbeat.",
            table, partition, who, dev.strata.jobs.definition.Durations.format(waited), lock));
  }

  public static JobFailedException historyOutOfOrder(String table, Partition partition, LocalDate last) {
    return new JobFailedException(
        String.format(
            "Cannot build history table '%s' for %s: the snapshot differs from what the history says for that day,"
                + " and the history goes on to %s. Applying it recomputes the history from %s, so the same run must"
                + " apply every later day too: strata backfill <pipeline> --from %s --to %s --tables %s+ --force",
            table, partition, last, partition, partition, last, table),
        null);
  }

  /**
   * A table folder that is not a readable Delta table although it holds files: taking it for a new
   * table would drop every partition it held. Exit 4; nothing is written.
   */
  public static JobFailedException damagedTable(String path, String what) {
    return new JobFailedException(
        String.format(
            "Cannot use the Delta table at %s: the folder %s. Nothing was written to it. Restore its _delta_log (from a"
                + " backup or a snapshot of the storage), or, if the folder is not meant to be this table, move it away;"
                + " Strata never creates a new table over existing files.",
            path, what),
        null);
  }

  /**
   * Text that is safe to print on a terminal, in a log or a JSON report: control characters
   * (other than new lines and tabs), bytes that were not valid UTF-8 and other unprintable code
   * points appear as a backslash, u and four hex digits; text longer than {@code 2,000} characters is cut. Whatever a
   * user's file held, its raw bytes never reach the console.
   */
  public static String printable(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), 2000) + 16);
    for (int i = 0; i < text.length() && out.length() < 2000; ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      boolean safe =
          c == '\n' || c == '\t'
              || (!Character.isISOControl(c) && c != 0xFFFD && Character.isDefined(c)
                  && Character.getType(c) != Character.PRIVATE_USE && Character.getType(c) != Character.SURROGATE
                  && Character.getType(c) != Character.FORMAT);
      if (safe) {
        out.appendCodePoint(c);
      } else {
        out.append(String.format("\\u%04x", c));
      }
    }
    if (out.length() >= 2000) {
      out.append("...");
    }
    return out.toString();
  }

  /** The first line of a message, for one-line summaries; "" for null. */
  public static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  public static InvalidException unknownRun(String pipeline, String runId, String warehouse) {
    return new InvalidException(
        String.format(
            "Cannot resume run %s: the ledger of %s has no run of that id for pipeline %s. List the runs with:"
                + " strata history %s --warehouse %s",
            runId, warehouse, pipeline, pipeline, warehouse),
        null);
  }

  public static InvalidException badDate(String option, String value) {
    return new InvalidException(
        String.format(
            "Cannot parse %s '%s': expected a calendar date as YYYY-MM-DD, e.g. 2024-01-31.",
            option, value),
        null);
  }

  public static InvalidException badPartition(String option, String value) {
    return new InvalidException(
        String.format(
            "Cannot parse %s '%s': expected a day as YYYY-MM-DD (e.g. 2024-01-31), an hour as YYYY-MM-DDTHH (2024-01-31T07) or a"
                + " month as YYYY-MM (2024-01).",
            option, value),
        null);
  }

  public static InvalidException missingSourceData(
      String source, Partition partition, String path, String declaredAt) {
    return new InvalidException(
        String.format(
            "Cannot read source '%s' for %s: no data files at %s (source declared at %s). Land the"
                + " files there, e.g. with `strata generate --out <warehouse>/landing`, or fix the"
                + " source's path.",
            source, partition, path, declaredAt),
        null);
  }

  public static UpstreamNotReadyException upstreamNeverPublished(
      String table, String upstream, Partition partition, String path) {
    return new UpstreamNotReadyException(
        String.format(
            "Cannot build '%s' for %s: its upstream table '%s' has never been published for that"
                + " partition (the ledger has no build of it; table at %s). Build the upstream first,"
                + " e.g. strata run <pipeline> --date %s --layer <its layer>.",
            table, partition, upstream, path, partition), upstream);
  }

  public static UpstreamNotReadyException upstreamNotPublished(
      String table, String upstream, Partition partition, String status, String runId, java.time.Instant recordedAt) {
    return new UpstreamNotReadyException(
        String.format(
            "Cannot build '%s' for %s: the latest build of its upstream table '%s' for %s is %s (run %s,"
                + " %s), so its data for that partition cannot be trusted. Fix and rebuild '%s' first;"
                + " the quality report of run %s says why it did not publish.",
            table, partition, upstream, partition, status, runId, recordedAt, upstream, runId), upstream);
  }

  public static JobFailedException buildFailed(
      String table, Partition partition, String what, Throwable cause) {
    return new JobFailedException(
        String.format(
            "Cannot build '%s' for %s: %s: %s", table, partition, what, rootMessage(cause)),
        cause);
  }

  public static JobFailedException partitionMismatch(
      String table, Partition partition, String column, long outside) {
    return new JobFailedException(
        String.format(
            "Cannot publish '%s' for %s: %d row(s) have a %s other than %s. A build may only write"
                + " its own partition; check the transform, or the rows' %s in the landing files.",
            table, partition, outside, column, partition, column),
        null);
  }

  public static JobFailedException rowsRemovedWithoutReason(
      String table, Partition partition, String input, long in, long out) {
    return new JobFailedException(
        String.format(
            "Cannot publish '%s' for %s: its input '%s' has %d rows but the transform produced %d, and"
                + " the table declares no filter or deduplication. Rows must not disappear silently:"
                + " declare why with `removes: <reason>` on the table, or fix the transform.",
            table, partition, input, in, out),
        null);
  }

  public static JobFailedException rowsMultiplied(String table, Partition partition, String input, long in, long out) {
    return new JobFailedException(
        String.format(
            "Cannot publish '%s' for %s: the transform produced %d rows from the %d rows of '%s'. A"
                + " join that matches a row more than once multiplies rows; fix the join keys, or"
                + " declare `rows_from: aggregate` if the table's rows are computed one per group.",
            table, partition, out, in, input),
        null);
  }

  public static JobFailedException rowsUnaccounted(
      String table, Partition partition, long in, long published, long quarantined, long filtered) {
    return new JobFailedException(
        String.format(
            "Cannot publish '%s' for %s: %d rows in, but %d published + %d quarantined + %d filtered ="
                + " %d. Nothing was published; this is a bug in Strata, please report it.",
            table, partition, in, published, quarantined, filtered, published + quarantined + filtered),
        null);
  }

  public static JobFailedException badPartitionColumn(String table, String column, String found) {
    return new JobFailedException(
        String.format(
            "Cannot publish '%s': its partition column '%s' %s. The transform must output the"
                + " partition column: DATE for a day or a month, TIMESTAMP for an hour, or the partition as text.",
            table, column, found),
        null);
  }

  /** The innermost message of a cause chain, on one line, for summaries. */
  public static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    String line = message.replaceAll("\\s+", " ").strip();
    int plan = line.indexOf("; line ");
    if (plan > 0 && root.getClass().getName().contains("AnalysisException")) {
      line = line.substring(0, plan);
    }
    return line.length() > 600 ? line.substring(0, 600) + "..." : line;
  }
}

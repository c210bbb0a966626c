package dev.strata.jobs.ledger;

import dev.strata.api.Partition;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.spark.sql.Row;

/**
 * A run as the ledger's latest row of it says.
 *
 * @param runId the run
 * @param status {@link #RUNNING} until it recorded its end; then {@link #SUCCEEDED} or the worst
 *     build status (BLOCKED, FAILED, ...)
 * @param exitCode the exit code it ended with, empty while running
 * @param startedAt when it started
 * @param recordedAt when its latest row was recorded (its end, once it ended)
 * @param scope what it was asked to build
 * @param origin who started it, and where
 */
public record RunRecord(String runId, String status, OptionalInt exitCode, Instant startedAt, Instant recordedAt, Scope scope, Origin origin) {
  public static final String RUNNING = "RUNNING";
  public static final String SUCCEEDED = "SUCCEEDED";

  /**
   * What a run was asked to build.
   *
   * @param trigger cli, schedule, backfill, notebook or replay
   * @param partitions its partitions, ascending
   * @param layer the one layer it built, if it was limited to one
   * @param tables the tables it built (empty: a run recorded before tables were)
   * @param resumes the run it resumed, if any
   * @param schedule the scheduled job it was ({@code <pipeline>.<schedule>}), if any
   * @param scheduledFor the fire time that closed its interval, if scheduled
   */
  public record Scope(
      String trigger, List<Partition> partitions, Optional<String> layer, List<String> tables, Optional<String> resumes,
      Optional<String> schedule, Optional<Instant> scheduledFor) {}

  /** Who started a run, on which host. */
  public record Origin(String user, String host) {}

  /** A row of the ledger's {@code runs} table. */
  static RunRecord of(Row r) {
    Scope scope = new Scope(
        r.getAs("trigger"),
        r.<String>getList(r.fieldIndex("partitions")).stream().map(Partition::parse).sorted().toList(),
        Optional.ofNullable(optional(r, "layer")),
        optional(r, "tables") == null ? List.of() : List.copyOf(r.<String>getList(r.fieldIndex("tables"))),
        Optional.ofNullable(optional(r, "resumes")),
        Optional.ofNullable(optional(r, "schedule")),
        Optional.ofNullable(RunRecord.<Timestamp>optional(r, "scheduled_for")).map(Timestamp::toInstant));
    return new RunRecord(
        r.getAs("run_id"), r.getAs("status"),
        r.isNullAt(r.fieldIndex("exit_code")) ? OptionalInt.empty() : OptionalInt.of(r.<Integer>getAs("exit_code")),
        r.<Timestamp>getAs("started_at").toInstant(), r.<Timestamp>getAs("recorded_at").toInstant(), scope,
        new Origin(r.getAs("user"), r.getAs("host")));
  }

  /** A column added to the ledger after its first version: null in a ledger written before it. */
  private static <T> T optional(Row r, String column) {
    return java.util.Arrays.asList(r.schema().fieldNames()).contains(column) && !r.isNullAt(r.fieldIndex(column)) ? r.getAs(column) : null;
  }

  /** Whether the run has not recorded its end: still running elsewhere, or killed. */
  public boolean running() {
    return RUNNING.equals(status);
  }
}

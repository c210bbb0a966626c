package dev.strata.jobs.write;

import dev.strata.api.Partition;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Partitions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One partition's new rows on their way into a table: write-audit-publish as an object with
 * explicit states, in the spirit of Iceberg's {@code PendingUpdate}. The rows are written once,
 * before the gate ({@link State#STAGED}), so that the gate checks exactly the rows that will be
 * published; then either {@link #commit} replaces the table's partition with them in one atomic
 * Delta commit, or {@link #abort} gives them up and the table is as it was.
 *
 * <pre>
 *   STAGED ──commit()──▶ COMMITTED
 *     │         └─throws─▶ UNKNOWN    the commit may have landed: nothing is deleted
 *     └──abort(keepAt)──▶ ABORTED     what a blocked build checked is kept at keepAt
 * </pre>
 *
 * <p>The contract on cleanup, as Iceberg's {@code TableOperations} states it for commits: files
 * are deleted only when no commit of them was tried. After a commit that threw, they may be the
 * table's own; they stay, and the next build of the partition replaces them (files the log does
 * not name are invisible to readers, and VACUUM removes them).
 *
 * <p>Three ways to get there, one per kind of table and write; the engine sees only this
 * interface, so that a faster strategy replaces one without touching a build.
 */
public abstract sealed class PartitionWrite permits InPlaceWrite, StagedWrite, HistoryMerge {
  /** Where a write is in its life. */
  public enum State {
    /** Written, not published: readers see the table as it was. */
    STAGED,
    /** Published by one commit. */
    COMMITTED,
    /** A commit was tried and threw: it may or may not have landed. Nothing is cleaned up. */
    UNKNOWN,
    /** Given up: nothing was published, and the files written for it are gone (or kept for inspection). */
    ABORTED
  }

  /** Where the rows go. */
  protected final WriteTarget target;
  private final Dataset<Row> rows;
  private final long rowCount;
  private final Row aggregates;
  private State state = State.STAGED;

  /**
   * @param rows the rows as they will be published
   * @param rowCount how many, or -1 if not counted
   * @param aggregates the values of the aggregates measured with the count (an empty row if none)
   */
  PartitionWrite(WriteTarget target, Dataset<Row> rows, long rowCount, Row aggregates) {
    this.target = target;
    this.rows = rows;
    this.rowCount = rowCount;
    this.aggregates = aggregates;
  }

  /** The table written. */
  public final String table() {
    return target.table();
  }

  /** The partition written. */
  public final Partition partition() {
    return target.partition();
  }

  public final State state() {
    return state;
  }

  /** The new rows as they will be published: what the gate checks. */
  public final Dataset<Row> rows() {
    return rows;
  }

  /** Whether the partition column of the rows it publishes is typed (else the partition's written form); false if unpartitioned. */
  public final boolean dateTyped() {
    return !target.partition().isWhole() && Partitions.isDate(rows.schema().apply(target.partitionColumn()).dataType());
  }

  /** How many rows were staged; -1 if not counted (a subset of staged rows, a history's tail). */
  public final long rowCount() {
    return rowCount;
  }

  /** The values of the aggregates computed in the pass that counted the rows, in their order; an empty row if none. */
  public final Row aggregates() {
    return aggregates;
  }

  /**
   * Publishes the rows in one atomic commit.
   *
   * @throws IllegalStateException if the write is not {@link State#STAGED}
   */
  public final DeltaTables.Commit commit() {
    if (state != State.STAGED) {
      throw new IllegalStateException("the rows written for " + target.table() + " " + target.partition() + " are " + state
          + ": only staged rows can be committed");
    }
    state = State.UNKNOWN;
    DeltaTables.Commit commit = publish();
    state = State.COMMITTED;
    return commit;
  }

  /**
   * Gives the rows up. Files written into the table's folder are deleted; with {@code keepAt}, the
   * rows are first copied there as Parquet, for whoever inspects a blocked build. Does nothing
   * unless the write is {@link State#STAGED} (after a commit was tried the files may be the table's).
   *
   * @param keepAt where to keep the rows, or null
   */
  public final void abort(String keepAt) {
    if (state != State.STAGED) {
      return;
    }
    state = State.ABORTED;
    discard(keepAt);
  }

  /** The commit itself; called once, in state {@link State#UNKNOWN} until it returns. */
  abstract DeltaTables.Commit publish();

  /** Deletes what the write put where readers could meet it, keeping the rows at {@code keepAt} if given. */
  abstract void discard(String keepAt);
}

package dev.strata.api;

import java.util.Collection;
import java.util.Comparator;

/**
 * What became of one table partition in a run. The constants are declared from the best outcome to
 * the worst: {@link #worst} and every report rank them in this one order.
 */
public enum BuildStatus {
  /** The gate passed and the partition was replaced in one commit. */
  PUBLISHED,
  /** An upstream table in this run did not publish the partition, so this one was not built. */
  SKIPPED,
  /** An error rule failed: nothing was published; the table keeps its previous rows. */
  BLOCKED,
  /** An upstream table outside this run, or a source, is not ready for the partition. */
  NOT_READY,
  /** Another run held this table partition for longer than the run would wait; it was not built. */
  LOCKED,
  /** The input or definition was invalid (missing files, header mismatch); nothing was written. */
  INVALID,
  /** The build failed with an error; nothing was published. */
  FAILED;

  /** Whether the partition's new rows are visible to readers. */
  public boolean published() {
    return this == PUBLISHED;
  }

  /** How bad an outcome is: the higher, the worse ({@link #ordinal()}). */
  public int severity() {
    return ordinal();
  }

  /** The worst of some outcomes; {@link #PUBLISHED} if there are none. */
  public static BuildStatus worst(Collection<BuildStatus> statuses) {
    return statuses.stream().max(Comparator.naturalOrder()).orElse(PUBLISHED);
  }
}

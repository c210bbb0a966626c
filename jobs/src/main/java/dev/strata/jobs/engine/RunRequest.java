package dev.strata.jobs.engine;

import dev.strata.jobs.definition.Layer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What to run: an inclusive range of partitions, optionally one layer only.
 *
 * @param from the first partition
 * @param to the last partition (inclusive)
 * @param layer build only this layer's tables; upstream layers are read as published
 * @param tables build only these tables (empty: every table); the others are read as published
 * @param trigger what started the run, as the ledger records it: cli, schedule, backfill, notebook, replay
 * @param parallelism how many table partitions may build at once
 * @param skip (table, partition) units not to build because they are already published (a resumed
 *     run), as {@code table@yyyy-MM-dd}
 * @param resumes the run id this run resumes, or null
 * @param lockTimeout how long to wait for another run building the same table partition
 */
public record RunRequest(
    LocalDate from, LocalDate to, Optional<Layer> layer, Set<String> tables, String trigger, int parallelism, Set<String> skip,
    String resumes, java.time.Duration lockTimeout) {
  /** Table partitions built at once unless a run says otherwise. */
  public static final int DEFAULT_PARALLELISM = 4;
  /** How long a run waits for another run building the same table partition, unless told otherwise. */
  public static final java.time.Duration DEFAULT_LOCK_TIMEOUT = java.time.Duration.ofMinutes(10);

  public RunRequest {
    tables = Set.copyOf(tables);
    skip = Set.copyOf(skip);
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
  }

  public RunRequest(LocalDate from, LocalDate to, Optional<Layer> layer, Set<String> tables, String trigger) {
    this(from, to, layer, tables, trigger, DEFAULT_PARALLELISM, Set.of(), null, DEFAULT_LOCK_TIMEOUT);
  }

  public RunRequest(LocalDate from, LocalDate to, Optional<Layer> layer) {
    this(from, to, layer, Set.of(), "cli");
  }

  public RunRequest withParallelism(int n) {
    return new RunRequest(from, to, layer, tables, trigger, n, skip, resumes, lockTimeout);
  }

  public RunRequest withLockTimeout(java.time.Duration wait) {
    return new RunRequest(from, to, layer, tables, trigger, parallelism, skip, resumes, wait);
  }

  /** The key of a unit in {@link #skip}. */
  public static String unit(String table, LocalDate partition) {
    return table + "@" + partition;
  }

  /** Whether a table is part of this run. */
  public boolean includes(String table, Layer tableLayer) {
    return (layer.isEmpty() || layer.get() == tableLayer) && (tables.isEmpty() || tables.contains(table));
  }

  /** The most partitions one run may cover; a longer range is almost always a typo. */
  public static final int MAX_PARTITIONS = 3660;

  public List<LocalDate> partitions() {
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      dates.add(d);
    }
    return dates;
  }
}

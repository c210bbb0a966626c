package dev.strata.jobs.run;

import dev.strata.api.Partition;
import dev.strata.jobs.definition.Layer;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What to run: a set of partitions (a range, or the ones new landing files touched), optionally
 * limited to one layer or some tables.
 *
 * @param partitions the partitions, ascending, without duplicates
 * @param layer build only this layer's tables; upstream layers are read as published
 * @param tables build only these tables (empty: every table); the others are read as published
 * @param trigger what started the run, as the ledger records it: cli, schedule, backfill, notebook, replay
 * @param parallelism how many table partitions may build at once
 * @param skip (table, partition) units not to build because they are already published (a resumed
 *     run or backfill), as {@link #unit}
 * @param resumes the run id this run resumes, or null
 * @param lockTimeout how long to wait for another run building the same table partition
 * @param rebuildHistory history tables start again from the run's first partition (a forced full
 *     refresh) instead of applying each partition to what they hold
 * @param scheduled the scheduled job and interval this run is, or null
 * @param redeliveries deliveries to make again without building (a resumed run: those of the run
 *     it resumes that failed), of partitions the run does not build
 */
public record RunRequest(
    List<Partition> partitions, Optional<Layer> layer, Set<String> tables, String trigger, int parallelism, Set<UnitId> skip,
    String resumes, Duration lockTimeout, boolean rebuildHistory, Scheduled scheduled, Set<Redelivery> redeliveries) {

  /** A published table partition to deliver to one of its outputs again. */
  public record Redelivery(UnitId unit, String output) {}

  /**
   * A run started by a schedule: which job, and the fire time that closed its interval.
   *
   * @param job {@code <pipeline>.<schedule name>}
   * @param fire when the interval ended, as the cron expression says
   */
  public record Scheduled(String job, java.time.Instant fire) {}

  /** Table partitions built at once unless a run says otherwise. */
  public static final int DEFAULT_PARALLELISM = 4;
  /** How long a run waits for another run building the same table partition, unless told otherwise. */
  public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofMinutes(10);
  /** The most partitions one run may cover; a longer range is almost always a typo. */
  public static final int MAX_PARTITIONS = 3660;

  public RunRequest {
    partitions = List.copyOf(new TreeSet<>(partitions));
    tables = Set.copyOf(tables);
    skip = Set.copyOf(skip);
    redeliveries = Set.copyOf(redeliveries);
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
  }

  public RunRequest(LocalDate from, LocalDate to, Optional<Layer> layer, Set<String> tables, String trigger) {
    this(range(from, to), layer, tables, trigger);
  }

  /** A run of these partitions, layer and tables, with the defaults for the rest: set them with the {@code with} methods. */
  public RunRequest(List<Partition> partitions, Optional<Layer> layer, Set<String> tables, String trigger) {
    this(partitions, layer, tables, trigger, DEFAULT_PARALLELISM, Set.of(), null, DEFAULT_LOCK_TIMEOUT, false, null, Set.of());
  }

  public RunRequest(LocalDate from, LocalDate to, Optional<Layer> layer) {
    this(from, to, layer, Set.of(), "cli");
  }

  /** The days from {@code from} to {@code to}, both included; empty if {@code from} is after {@code to}. */
  public static List<Partition> range(LocalDate from, LocalDate to) {
    List<Partition> dates = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      dates.add(Partition.day(d));
      if (dates.size() > MAX_PARTITIONS) {
        break;
      }
    }
    return dates;
  }

  /**
   * The partitions a table of {@code granularity} builds in a run over {@code requested}: those of
   * its granularity within each requested one (the 24 hours of a requested day, the day itself),
   * or the one holding it (the day of a requested hour, the month of a day); the one partition of
   * an unpartitioned table whatever was asked. Ascending, without duplicates.
   */
  public static List<Partition> partitionsOf(Partition.Granularity granularity, java.util.Collection<Partition> requested) {
    if (requested.isEmpty()) {
      return List.of();
    }
    if (granularity == Partition.Granularity.NONE) {
      return List.of(Partition.whole());
    }
    TreeSet<Partition> out = new TreeSet<>();
    for (Partition p : requested) {
      if (p.isWhole()) {
        continue;
      }
      if (p.granularity().finerThan(granularity)) {
        out.add(Partition.of(granularity, p.start()));
      } else {
        out.addAll(p.as(granularity));
      }
    }
    return List.copyOf(out);
  }

  /** The partitions a table of {@code granularity} builds in this run ({@link #partitionsOf}). */
  public List<Partition> partitionsOf(Partition.Granularity granularity) {
    return partitionsOf(granularity, partitions);
  }

  /**
   * The partitions from {@code from} to {@code to}, both included, of their granularity (the
   * two must have the same); empty if {@code from} is after {@code to}.
   */
  public static List<Partition> range(Partition from, Partition to) {
    List<Partition> out = new ArrayList<>();
    for (Partition p = from; p.compareTo(to) <= 0; p = p.next()) {
      out.add(p);
      if (out.size() > MAX_PARTITIONS || p.isWhole()) {
        break;
      }
    }
    return out;
  }

  public RunRequest withPartitions(List<Partition> those) {
    return new RunRequest(those, layer, tables, trigger, parallelism, skip, resumes, lockTimeout, rebuildHistory, scheduled, redeliveries);
  }

  public RunRequest withSkip(Set<UnitId> units) {
    return new RunRequest(partitions, layer, tables, trigger, parallelism, units, resumes, lockTimeout, rebuildHistory, scheduled, redeliveries);
  }

  /** This request as the resumption of run {@code runId}. */
  public RunRequest resuming(String runId) {
    return new RunRequest(partitions, layer, tables, trigger, parallelism, skip, runId, lockTimeout, rebuildHistory, scheduled, redeliveries);
  }

  public RunRequest withRebuildHistory(boolean rebuild) {
    return new RunRequest(partitions, layer, tables, trigger, parallelism, skip, resumes, lockTimeout, rebuild, scheduled, redeliveries);
  }

  public RunRequest withParallelism(int n) {
    return new RunRequest(partitions, layer, tables, trigger, n, skip, resumes, lockTimeout, rebuildHistory, scheduled, redeliveries);
  }

  public RunRequest withLockTimeout(Duration wait) {
    return new RunRequest(partitions, layer, tables, trigger, parallelism, skip, resumes, wait, rebuildHistory, scheduled, redeliveries);
  }

  public RunRequest withTables(Set<String> selected) {
    return new RunRequest(partitions, layer, selected, trigger, parallelism, skip, resumes, lockTimeout, rebuildHistory, scheduled, redeliveries);
  }

  public RunRequest withTrigger(String by) {
    return new RunRequest(partitions, layer, tables, by, parallelism, skip, resumes, lockTimeout, rebuildHistory, scheduled, redeliveries);
  }

  public RunRequest withScheduled(Scheduled by) {
    return new RunRequest(partitions, layer, tables, "schedule", parallelism, skip, resumes, lockTimeout, rebuildHistory, by, redeliveries);
  }

  public RunRequest withRedeliveries(Set<Redelivery> those) {
    return new RunRequest(partitions, layer, tables, trigger, parallelism, skip, resumes, lockTimeout, rebuildHistory, scheduled, those);
  }

  /** The key of a unit in {@link #skip}. */
  public static UnitId unit(String table, Partition partition) {
    return UnitId.of(table, partition);
  }

  /** Whether a table is part of this run. */
  public boolean includes(String table, Layer tableLayer) {
    return (layer.isEmpty() || layer.get() == tableLayer) && (tables.isEmpty() || tables.contains(table));
  }

  /** The partitions for people: a range when they are consecutive, else the first, last and count. */
  public static String describe(List<Partition> partitions) {
    if (partitions.isEmpty()) {
      return "no partitions";
    }
    Partition first = partitions.get(0);
    Partition last = partitions.get(partitions.size() - 1);
    if (partitions.size() == 1) {
      return first.toString();
    }
    boolean consecutive = true;
    for (int i = 1; i < partitions.size() && consecutive; i++) {
      consecutive = partitions.get(i - 1).next().equals(partitions.get(i));
    }
    return consecutive ? first + ".." + last : partitions.size() + " partitions from " + first + " to " + last;
  }
}

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
 */
public record RunRequest(LocalDate from, LocalDate to, Optional<Layer> layer, Set<String> tables, String trigger) {
  public RunRequest {
    tables = Set.copyOf(tables);
  }

  public RunRequest(LocalDate from, LocalDate to, Optional<Layer> layer) {
    this(from, to, layer, Set.of(), "cli");
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

package dev.strata.jobs.engine;

import dev.strata.jobs.definition.Layer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What to run: an inclusive range of partitions, optionally one layer only.
 *
 * @param from the first partition
 * @param to the last partition (inclusive)
 * @param layer build only this layer's tables; upstream layers are read as published
 */
public record RunRequest(LocalDate from, LocalDate to, Optional<Layer> layer) {
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

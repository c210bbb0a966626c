package dev.strata.jobs.run;

import java.util.Map;

/**
 * Where a build's rows went: {@code in = published + quarantined + filtered}.
 *
 * @param in rows the build started from
 * @param published rows that reached the table
 * @param quarantined rows that went to the table's quarantine
 * @param filtered rows removed by a declared filter or deduplication
 * @param quarantinedByRule rows per failed rule (a row failing two rules counts for both)
 * @param filteredReason the table's declared reason for removing rows, or null
 */
public record RowCounts(
    long in, long published, long quarantined, long filtered, Map<String, Long> quarantinedByRule, String filteredReason) {
  /** For a build that never got as far as counting. */
  public static final RowCounts NONE = new RowCounts(-1, -1, -1, -1, Map.of(), null);

  public RowCounts {
    quarantinedByRule = Map.copyOf(quarantinedByRule);
  }

  /** Whether every row is accounted for. */
  public boolean balanced() {
    return in == published + quarantined + filtered;
  }

  public boolean known() {
    return in >= 0;
  }
}

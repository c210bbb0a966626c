package dev.strata.jobs.run;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a build measured of its rows, besides where they went ({@link RowCounts}): recorded in the
 * ledger ({@code builds}) and the report for every build that got as far as staging its rows.
 *
 * @param nullCounts null values per column of the rows it checked (those it would publish)
 * @param keyColumns the table's key, or empty
 * @param duplicateKeys rows beyond the first for each key value (0 when the key is unique), or -1
 *     if the table declares no key
 * @param filesWritten data files its commit added, or -1 if it did not commit
 * @param bytesWritten bytes of those files, or -1 if it did not commit
 */
public record BuildMetrics(
    Map<String, Long> nullCounts, java.util.List<String> keyColumns, long duplicateKeys, long filesWritten, long bytesWritten) {
  public static final BuildMetrics NONE = new BuildMetrics(Map.of(), java.util.List.of(), -1, -1, -1);

  public BuildMetrics {
    nullCounts = java.util.Collections.unmodifiableMap(new TreeMap<>(nullCounts));
    keyColumns = java.util.List.copyOf(keyColumns);
  }

  public BuildMetrics withWrites(long files, long bytes) {
    return new BuildMetrics(nullCounts, keyColumns, duplicateKeys, files, bytes);
  }

  public boolean known() {
    return this != NONE;
  }
}

package dev.strata.quality;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The volume anomaly rule: a partition's row count against the median of the row counts of earlier
 * accepted partitions.
 *
 * <p>The caller gives the baseline keyed by partition, one value each (the count its latest
 * accepted build published): a re-run of a partition replaces its value instead of adding
 * another, and a build that failed its gate never enters it. Deequ's metrics repository appends
 * every run's metrics, so a failed or repeated run would skew an anomaly check built on it; this
 * rule keeps its own baseline for that reason.
 */
public final class VolumeAnomaly {
  private VolumeAnomaly() {}

  /**
   * Decides the rule.
   *
   * @param rows the partition's row count
   * @param baseline the row counts of the earlier accepted partitions it is compared with
   * @param maxChange the largest accepted relative change from the median (0.3 for ±30%)
   * @param minHistory with fewer baseline partitions the rule passes, saying so
   * @param spec the rule, for the result
   * @param basis what the baseline is, for messages (e.g. "the last 4 accepted Mondays")
   */
  public static RuleResult evaluate(long rows, List<Long> baseline, double maxChange, int minHistory, RuleSpec spec, String basis) {
    Map<String, Double> observed = new TreeMap<>();
    observed.put("Table.RowCount", (double) rows);
    observed.put("Volume.BaselinePartitions", (double) baseline.size());
    if (baseline.size() < minHistory) {
      return new RuleResult(spec, true, false,
          String.format(Locale.ROOT, "no baseline yet: %d of the %d accepted partition(s) needed (%s); passes until there are",
              baseline.size(), minHistory, basis),
          observed);
    }
    double median = median(baseline);
    observed.put("Volume.BaselineMedian", median);
    double change = median == 0 ? (rows == 0 ? 0 : Double.POSITIVE_INFINITY) : (rows - median) / median;
    if (Double.isFinite(change)) {
      observed.put("Volume.Change", change);
    }
    boolean passed = Math.abs(change) <= maxChange + 1e-12;
    String message =
        passed
            ? ""
            : String.format(
                Locale.ROOT, "%,d rows is %s the median %,.0f of %s (%s) (expected within ±%s of it)",
                rows, Double.isFinite(change) ? String.format(Locale.ROOT, "%+.1f%% from", change * 100) : "above",
                median, basis, baseline.stream().map(b -> String.format(Locale.ROOT, "%,d", b))
                    .collect(java.util.stream.Collectors.joining(" / ")), percent(maxChange));
    return new RuleResult(spec, passed, false, message, observed);
  }

  /** The rule's text as reports show it, e.g. {@code Volume within ±30% of the median of the last 4 accepted Mondays}. */
  public static String text(double maxChange, String basis) {
    return "Volume within ±" + percent(maxChange) + " of the median of " + basis;
  }

  static double median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
  }

  private static String percent(double share) {
    double p = share * 100;
    return (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p)) + "%";
  }
}

package dev.strata.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One line of the benchmark table: two sides of the same work, timed alternately in one JVM, and
 * how their medians compare with the target.
 *
 * @param scenario the scenario it belongs to (its notes are written once, under this name)
 * @param name what is compared, as the table shows it
 * @param rows the rows the candidate side processed per run
 * @param baseline seconds of each counted run of the baseline side
 * @param candidate seconds of each counted run of the candidate side
 * @param kind how the ratio reads: a cost (candidate / baseline, lower is better) or a speed-up
 *     (baseline / candidate, higher is better)
 * @param target the ratio the scenario must meet, or NaN for a line shown for context only
 */
public record Comparison(
    String scenario, String name, long rows, List<Double> baseline, List<Double> candidate, Kind kind, double target) {

  /** How a ratio reads. */
  public enum Kind {
    COST,
    SPEEDUP
  }

  public double baselineMedian() {
    return median(baseline);
  }

  public double candidateMedian() {
    return median(candidate);
  }

  public double ratio() {
    return kind == Kind.COST ? candidateMedian() / baselineMedian() : baselineMedian() / candidateMedian();
  }

  public boolean met() {
    return Double.isNaN(target) || (kind == Kind.COST ? ratio() <= target : ratio() >= target);
  }

  /** The ratio and its target, as the table shows them: "1.25× (≤ 1.30×)" or "64× faster (≥ 50×)". */
  public String ratioText() {
    if (Double.isNaN(target)) {
      return kind == Kind.COST
          ? String.format(Locale.ROOT, "%.2f× (no target)", ratio())
          : String.format(Locale.ROOT, "%.1f× faster (no target)", ratio());
    }
    return kind == Kind.COST
        ? String.format(Locale.ROOT, "%.2f× (target ≤ %.2f×)%s", ratio(), target, met() ? "" : " **missed**")
        : String.format(Locale.ROOT, "%.1f× faster (target ≥ %.0f×)%s", ratio(), target, met() ? "" : " **missed**");
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", scenario);
    m.put("name", name);
    m.put("rows", rows);
    m.put("kind", kind.name().toLowerCase(Locale.ROOT));
    m.put("target", Double.isNaN(target) ? null : target);
    m.put("baseline_seconds", baseline);
    m.put("candidate_seconds", candidate);
    m.put("baseline_median", baselineMedian());
    m.put("candidate_median", candidateMedian());
    m.put("ratio", ratio());
    m.put("met", met());
    return m;
  }

  @SuppressWarnings("unchecked")
  static Comparison fromJson(Map<String, Object> m) {
    return new Comparison(
        (String) m.get("scenario"), (String) m.get("name"), ((Number) m.get("rows")).longValue(),
        doubles((List<Object>) m.get("baseline_seconds")), doubles((List<Object>) m.get("candidate_seconds")),
        Kind.valueOf(((String) m.get("kind")).toUpperCase(Locale.ROOT)),
        m.get("target") instanceof Number t ? t.doubleValue() : Double.NaN);
  }

  private static List<Double> doubles(List<Object> values) {
    List<Double> out = new ArrayList<>();
    values.forEach(v -> out.add(((Number) v).doubleValue()));
    return out;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}

package dev.strata.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A measured value that is not a ratio of two sides' times: a fitted scaling exponent, a growth
 * of memory.
 *
 * @param scenario the scenario it belongs to
 * @param name what it is, as the table shows it
 * @param value the value
 * @param unit written after the value ("×", or empty)
 * @param target the most it may be (or, if {@code atLeast}, the least), or NaN for none
 * @param atLeast whether the target is a floor rather than a ceiling
 */
record Figure(String scenario, String name, double value, String unit, double target, boolean atLeast) {

  boolean met() {
    return Double.isNaN(target) || (atLeast ? value >= target : value <= target);
  }

  /** "0.93 (target ≤ 1.05)". */
  String valueText() {
    String v = String.format(Locale.ROOT, "%.2f%s", value, unit);
    if (Double.isNaN(target)) {
      return v + " (no target)";
    }
    return String.format(Locale.ROOT, "%s (target %s %.2f%s)%s", v, atLeast ? "≥" : "≤", target, unit, met() ? "" : " **missed**");
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", scenario);
    m.put("name", name);
    m.put("value", value);
    m.put("unit", unit);
    m.put("target", Double.isNaN(target) ? null : target);
    m.put("at_least", atLeast);
    m.put("met", met());
    return m;
  }

  static Figure fromJson(Map<String, Object> m) {
    return new Figure((String) m.get("scenario"), (String) m.get("name"), ((Number) m.get("value")).doubleValue(), (String) m.get("unit"),
        m.get("target") instanceof Number t ? t.doubleValue() : Double.NaN, Boolean.TRUE.equals(m.get("at_least")));
  }
}

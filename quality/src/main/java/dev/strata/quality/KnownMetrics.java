package dev.strata.quality;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the engine already measured of the rows a gate checks, in the pass that staged them: how
 * many rows, the nulls per column, and the distinct values of the table's declared key. A
 * uniqueness rule on that key that these numbers prove passing needs no Deequ grouping pass (a
 * shuffle of every key) to find it out again.
 *
 * @param rows the rows checked, or -1 if unknown
 * @param nullCounts nulls per column among those rows
 * @param key the table's declared key (empty if it has none)
 * @param distinctKeys distinct values of the key among those rows, or -1 if unknown
 */
public record KnownMetrics(long rows, Map<String, Long> nullCounts, List<String> key, long distinctKeys) {
  /** Nothing known: every rule goes to Deequ. */
  public static final KnownMetrics NONE = new KnownMetrics(-1, Map.of(), List.of(), -1);

  public KnownMetrics {
    nullCounts = Map.copyOf(nullCounts);
    key = List.copyOf(key);
  }

  /**
   * The rule's result, if these metrics prove that it passes: {@code IsUnique} on the declared
   * key's single column, or {@code IsPrimaryKey} on all the key's columns (in any order), without
   * a where clause or threshold, over rows in which no key column is ever null and no key appears
   * twice. Deequ's Uniqueness (the fraction of rows whose key appears exactly once) and
   * Completeness are then exactly 1, and the result carries them under Deequ's names. Anything
   * else, a failing rule above all, is left to Deequ, which computes the exact observed value a
   * failure reports.
   */
  Optional<RuleResult> prove(CompiledRule rule) {
    String type = rule.ruleType();
    boolean primaryKey = "IsPrimaryKey".equals(type);
    if ((!primaryKey && !"IsUnique".equals(type)) || rows <= 0 || key.isEmpty() || distinctKeys != rows) {
      return Optional.empty();
    }
    // The rule's target columns ("TargetColumn" for IsUnique, "TargetColumn1".."N" for IsPrimaryKey), in its order.
    List<String> targets = rule.parameters().entrySet().stream()
        .filter(e -> e.getKey().startsWith("TargetColumn"))
        .sorted(Map.Entry.comparingByKey())
        .map(Map.Entry::getValue)
        .toList();
    if (targets.size() != rule.parameters().size() || targets.size() != key.size() || !new java.util.HashSet<>(targets).equals(
        new java.util.HashSet<>(key)) || (!primaryKey && targets.size() != 1)) {
      return Optional.empty();
    }
    String where = rule.dqRule().getWhereClause();
    if ((where != null && !where.isBlank()) || rule.dqRule().getThresholdCondition() != null
        || targets.stream().anyMatch(c -> nullCounts.getOrDefault(c, -1L) != 0)) {
      return Optional.empty();
    }
    Map<String, Double> observed = new TreeMap<>();
    if (targets.size() > 1) {
      // Deequ's name for a key of several columns, in the rule's order; it reports no completeness for it.
      observed.put("Multicolumn." + String.join(",", targets) + ".Uniqueness", 1.0);
    } else {
      observed.put("Column." + targets.get(0) + ".Uniqueness", 1.0);
      if (primaryKey) {
        observed.put("Column." + targets.get(0) + ".Completeness", 1.0);
      }
    }
    return Optional.of(new RuleResult(rule.spec(), true, false, "", observed));
  }
}

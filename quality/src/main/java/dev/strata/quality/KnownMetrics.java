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
   * The rule's result, if these metrics prove that it passes: {@code IsUnique} or {@code
   * IsPrimaryKey} on the declared key's single column, without a where clause, over rows in which
   * that column is never null and no value appears twice. Deequ's Uniqueness (the fraction of rows
   * whose value appears exactly once) and Completeness are then exactly 1, and the result carries
   * them under Deequ's names. Anything else, a failing rule above all, is left to Deequ, which
   * computes the exact observed value a failure reports.
   */
  Optional<RuleResult> prove(CompiledRule rule) {
    String type = rule.ruleType();
    boolean primaryKey = "IsPrimaryKey".equals(type);
    if ((!primaryKey && !"IsUnique".equals(type)) || rows <= 0 || key.size() != 1 || distinctKeys != rows) {
      return Optional.empty();
    }
    String column = key.get(0);
    Map<String, String> parameters = rule.parameters();
    // One target column ("TargetColumn" for IsUnique, "TargetColumn1" for IsPrimaryKey), the key's.
    Map.Entry<String, String> target = parameters.size() == 1 ? parameters.entrySet().iterator().next() : null;
    if (target == null || !target.getKey().startsWith("TargetColumn") || !column.equals(target.getValue())) {
      return Optional.empty();
    }
    String where = rule.dqRule().getWhereClause();
    if ((where != null && !where.isBlank()) || rule.dqRule().getThresholdCondition() != null
        || nullCounts.getOrDefault(column, -1L) != 0) {
      return Optional.empty();
    }
    Map<String, Double> observed = new TreeMap<>();
    observed.put("Column." + column + ".Uniqueness", 1.0);
    if (primaryKey) {
      observed.put("Column." + column + ".Completeness", 1.0);
    }
    return Optional.of(new RuleResult(rule.spec(), true, false, "", observed));
  }
}

package dev.strata.quality;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.glue.dqdl.model.DQRule;
import software.amazon.glue.dqdl.model.condition.Condition;
import software.amazon.glue.dqdl.model.condition.date.DateBasedCondition;
import software.amazon.glue.dqdl.model.condition.date.DateExpression;
import software.amazon.glue.dqdl.model.condition.number.NumberBasedCondition;
import software.amazon.glue.dqdl.model.condition.number.NumericOperand;
import software.amazon.glue.dqdl.model.condition.string.StringBasedCondition;
import software.amazon.glue.dqdl.model.condition.string.StringOperand;

/**
 * A rule's outcome in words: what was observed against what was expected, e.g. {@code 96.15% of
 * 1,200 rows satisfy quantity between 1 and 50 (bounds excluded); 46 do not (expected: every
 * row)}. Never Deequ's own words (metric keys, analyzer names, "does not meet the constraint
 * requirement"): those are for machines and stay in {@link RuleResult#observed()}.
 */
public final class RuleWords {
  /** Deequ's reason for a failed rule carries the value it compared: "Value: 0.25 does not meet ...". */
  private static final Pattern VALUE = Pattern.compile("Value: (-?[0-9.Ee+-]+|NULL) does not meet");
  /** Deequ's reason when a column a rule names is not in the data. */
  private static final Pattern MISSING_COLUMN = Pattern.compile("Input data does not include column ([^!]+)!");
  /** A reason that is only an exception's class name ("Exception: org.apache...ExtendedAnalysisException"). */
  private static final Pattern BARE_EXCEPTION = Pattern.compile("(?:Exception: )?(?:[a-z_][a-z0-9_]*\\.)+([A-Z]\\w*)");
  /** Rule types whose condition is on a share (0.9 reads "90%"). */
  private static final java.util.Set<String> SHARE_RULES =
      java.util.Set.of("Completeness", "Uniqueness", "ReferentialIntegrity", "UniqueValueRatio", "RowCountMatch", "SchemaMatch",
          "DatasetMatch", "AggregateMatch");

  private RuleWords() {}

  /**
   * The words for a rule's outcome.
   *
   * @param rule the rule
   * @param passed whether it passed
   * @param metrics the metrics it was decided on, by Deequ's metric name
   * @param reason Deequ's failure reason ("" if it passed), read only for the value it compared
   * @param rows how many rows were checked (asked only when a failure needs the count)
   */
  static String describe(CompiledRule rule, boolean passed, Map<String, Double> metrics, String reason, LongSupplier rows) {
    DQRule r = rule.dqRule();
    String type = r.getRuleType();
    Map<String, String> p = r.getParameters();
    String column = p.getOrDefault("TargetColumn", p.getOrDefault("TargetColumn1", ""));
    Double value = metric(metrics, reason, type);
    String expected = expected(r);
    String scope = r.getWhereClause() == null || r.getWhereClause().isBlank() ? "" : " where " + r.getWhereClause();
    switch (type) {
      case "RowCount":
        return value == null ? expected(r, "rows") : count(value) + " rows" + (passed ? "" : " (expected " + inClause(expected) + ")");
      case "IsComplete":
      case "Completeness":
        return share(value, rows, scope, "have " + a(column), "are null", passed,
            type.equals("IsComplete") ? "every row has one" : expected + " of rows have one");
      case "IsUnique":
      case "Uniqueness":
        return share(value, rows, scope, "have " + a(column) + " no other row has", "share theirs with another row", passed,
            type.equals("IsUnique") ? "every " + column + " different" : expected + " of rows with their own");
      case "IsPrimaryKey":
        return primaryKey(p, metrics, reason, rows, scope, passed);
      case "ColumnValues":
        return columnValues(r, column, metrics, value, rows, scope, passed);
      case "ColumnLength":
        return extremes(metrics, "MinimumLength", "MaximumLength", "the shortest " + column, "the longest " + column, " characters",
            "every " + column + " " + expected.replace(" (bounds excluded)", "") + " characters long"
                + (expected.contains("(bounds excluded)") ? ", bounds excluded" : ""), passed, value);
      case "ReferentialIntegrity": {
        String ref = p.getOrDefault("ReferenceDatasetColumns", "the reference");
        String all = expected(r);
        return share(value, rows, scope, "have " + a(p.getOrDefault("PrimaryDatasetColumns", column)) + " found in " + ref, "do not",
            passed, all.equals("exactly 100%") ? "every row's found" : all + " of rows");
      }
      case "RowCountMatch":
        return value == null ? expected(r, "rows")
            : "the row count is " + percent(value) + " of " + p.getOrDefault("ReferenceDatasetAlias", "the reference") + "'s"
                + (passed ? "" : " (expected " + expected(r.getCondition(), true) + ")");
      case "SchemaMatch":
        return value == null ? expected(r, "columns")
            : percent(value) + " of the schema matches " + p.getOrDefault("ReferenceDatasetAlias", "the reference") + "'s"
                + (passed ? "" : " (expected " + expected(r.getCondition(), true) + ")");
      case "DatasetMatch":
        return value == null ? "the rows could not be matched with " + p.getOrDefault("ReferenceDatasetAlias", "the reference") + "'s"
                + (passed ? "" : " (expected " + expected(r.getCondition(), true) + " to match)")
            : percent(value) + " of the rows match " + p.getOrDefault("ReferenceDatasetAlias", "the reference") + "'s"
                + (passed ? "" : " (expected " + expected(r.getCondition(), true) + ")");
      case "AggregateMatch":
        return value == null ? expected(r, "of the reference's aggregate")
            : p.getOrDefault("AggregateExpression1", "the aggregate") + " is " + percent(value) + " of "
                + p.getOrDefault("AggregateExpression2", "the reference's") + (passed ? "" : " (expected " + expected(r.getCondition(), true) + ")");
      case "ColumnDataType":
        return value == null ? "no " + column + " values to check"
            : value >= 1 ? "every " + column + " value is " + expected.replaceFirst("^= ", "")
                : percent(value) + " of " + column + " values are " + expected.replaceFirst("^= ", "") + " (expected all)";
      case "ColumnNamesMatchPattern":
        return value == null || value >= 1 ? "every column name matches " + p.getOrDefault("PatternToMatch", "the pattern")
            : percent(value) + " of the column names match " + p.getOrDefault("PatternToMatch", "the pattern") + " (expected all)";
      case "DataFreshness":
        return value == null ? "no " + column + " values to check"
            : percent(value) + " of rows have a " + column + " " + expected + " old" + (passed ? "" : " (expected all)");
      case "ColumnExists":
        return passed ? "column " + column + " exists" : "there is no column " + column + " (expected one)";
      case "ColumnCount":
        return value == null ? expected(r, "columns") : count(value) + " columns" + (passed ? "" : " (expected " + inClause(expected) + ")");
      case "CustomSql":
        return value == null ? expected(r, "the query's result")
            : "the query returned " + number(value) + (passed ? "" : " (expected " + inClause(expected) + ")");
      default:
        return aggregate(type, column, p, value, expected, scope, passed);
    }
  }

  /** Why a rule could not be evaluated, from Deequ's or Spark's reason, in words. */
  static String cannotEvaluate(String reason, List<String> columns) {
    Matcher m = MISSING_COLUMN.matcher(reason);
    if (m.find()) {
      return "the data has no column " + m.group(1).strip() + " (its columns: " + String.join(", ", columns)
          + "), so the rule cannot be evaluated; fix the rule or the transform";
    }
    String first = reason;
    int plan = first.indexOf("; line ");
    if (plan > 0) {
      first = first.substring(0, plan);
    }
    first = first.replaceFirst("^\\[[A-Z_.]+\\]\\s*", "");
    int sentence = first.indexOf(". ");
    if (sentence > 0) {
      first = first.substring(0, sentence);
    }
    first = first.strip();
    Matcher bare = BARE_EXCEPTION.matcher(first);
    if (bare.matches()) {
      return "the rule cannot be evaluated on this data: Spark rejected it (" + bare.group(1)
          + "); check the columns and datasets it names";
    }
    return "the rule cannot be evaluated on this data: " + first;
  }

  /** A measure that needs values found none: the words for a column whose values are all null. */
  static String allNull(CompiledRule rule, long rows) {
    Map<String, String> p = rule.dqRule().getParameters();
    String column = p.getOrDefault("TargetColumn", p.getOrDefault("TargetColumn1", "the column"));
    String expected =
        switch (rule.ruleType()) {
          case "IsUnique", "IsPrimaryKey" -> "every " + column + " present and different";
          case "IsComplete" -> "every row has one";
          default -> inClause(expected(rule.dqRule()));
        };
    return "all " + count(rows) + " rows have a null " + column + ", so there is nothing to measure"
        + (expected.isEmpty() ? "" : " (expected " + expected + ")");
  }

  private static String primaryKey(Map<String, String> p, Map<String, Double> metrics, String reason, LongSupplier rows, String scope,
      boolean passed) {
    List<String> columns = new ArrayList<>();
    for (int i = 1; p.containsKey("TargetColumn" + i); i++) {
      columns.add(p.get("TargetColumn" + i));
    }
    String key = String.join(", ", columns);
    Double complete = columns.size() == 1 ? metrics.get("Column." + key + ".Completeness") : null;
    Double unique = metrics.entrySet().stream().filter(e -> e.getKey().endsWith(".Uniqueness")).map(Map.Entry::getValue).findFirst()
        .orElse(metric(Map.of(), reason, "IsPrimaryKey"));
    if (passed) {
      return "every row has " + a(key) + " no other row has" + scope;
    }
    List<String> parts = new ArrayList<>();
    if (complete != null && complete < 1) {
      parts.add(share(complete, rows, scope, "have " + a(key), "are null", false, null));
    }
    if (unique != null && unique < 1) {
      parts.add(share(unique, rows, scope, "have " + a(key) + " no other row has", "share theirs with another row", false, null));
    }
    return (parts.isEmpty() ? key + " is not a key of these rows" : String.join("; ", parts)) + " (expected every row "
        + a(key) + ", each different)";
  }

  private static String columnValues(DQRule r, String column, Map<String, Double> metrics, Double value, LongSupplier rows, String scope,
      boolean passed) {
    Condition c = r.getCondition();
    String condition = condition(c, false);
    Double min = metrics.get("Column." + column + ".Minimum");
    Double max = metrics.get("Column." + column + ".Maximum");
    if ((min != null || max != null) && !hasThreshold(r)) {
      // A plain comparison is decided on the column's extreme value (nulls aside).
      return extremes(metrics, "Minimum", "Maximum", "the smallest " + column, "the largest " + column, "",
          "every " + column + " " + inClause(condition), passed, value);
    }
    String what = "satisfy " + column + " " + condition;
    return share(value, rows, scope, what, "do not", passed, threshold(r, "every row"));
  }

  /** The words for a rule decided on a column's minimum or maximum. */
  private static String extremes(Map<String, Double> metrics, String minKey, String maxKey, String smallest, String largest, String unit,
      String expected, boolean passed, Double fallback) {
    Double min = metrics.entrySet().stream().filter(e -> e.getKey().endsWith("." + minKey)).map(Map.Entry::getValue).findFirst().orElse(null);
    Double max = metrics.entrySet().stream().filter(e -> e.getKey().endsWith("." + maxKey)).map(Map.Entry::getValue).findFirst().orElse(null);
    List<String> parts = new ArrayList<>();
    if (min != null) {
      parts.add(smallest + " is " + number(min) + unit);
    }
    if (max != null) {
      parts.add(largest + " is " + number(max) + unit);
    }
    if (parts.isEmpty() && fallback != null) {
      parts.add("the value measured is " + number(fallback));
    }
    return String.join(", ", parts) + (passed ? "" : " (expected " + expected + ")");
  }

  /** "96.15% of 1,200 rows satisfy ...; 46 do not (expected ...)". */
  private static String share(Double ratio, LongSupplier rows, String scope, String what, String others, boolean passed, String expected) {
    if (ratio == null && passed) {
      return "no rows" + scope + " to check";
    }
    if (ratio == null) {
      return "the share of rows that " + what.replaceFirst("^have", "has").replaceFirst("^satisfy", "satisfies") + " could not be measured"
          + (expected == null ? "" : " (expected " + expected + ")");
    }
    StringBuilder s = new StringBuilder();
    long n = scope.isEmpty() ? rows.getAsLong() : -1;
    if (ratio >= 1 && n >= 0) {
      s.append("all ").append(count(n)).append(" rows ").append(what);
    } else if (ratio <= 0 && n >= 0) {
      s.append("none of the ").append(count(n)).append(" rows ").append(what);
    } else {
      s.append(percent(ratio)).append(" of ").append(n >= 0 ? count(n) + " rows" : "rows").append(scope).append(' ').append(what);
      if (n > 0 && ratio < 1) {
        long failing = Math.round((1 - ratio) * n);
        s.append("; ").append(count(failing)).append(' ').append(failing == 1 ? singular(others) : others);
      }
    }
    if (!passed && expected != null) {
      s.append(" (expected ").append(inClause(expected)).append(')');
    }
    return s.toString();
  }

  /** "an id", "a name": the column with its article. */
  static String a(String column) {
    String c = column.contains(",") ? "(" + column + ")" : column;
    return ("aeio".indexOf(Character.toLowerCase(c.charAt(0))) >= 0 ? "an " : "a ") + c;
  }

  /** A condition inside "(expected ...)": no nested parentheses. */
  private static String inClause(String condition) {
    return condition.replace(" (bounds excluded)", ", bounds excluded");
  }

  private static String singular(String verb) {
    return verb.replaceFirst("^are ", "is ").replaceFirst("^do not", "does not").replaceFirst("^share theirs", "shares its");
  }

  private static String aggregate(String type, String column, Map<String, String> p, Double value, String expected, String scope,
      boolean passed) {
    String measure =
        switch (type) {
          case "Mean" -> "the mean of " + column;
          case "Sum" -> "the sum of " + column;
          case "StandardDeviation" -> "the standard deviation of " + column;
          case "Entropy" -> "the entropy of " + column;
          case "DistinctValuesCount" -> "the number of distinct " + column + " values";
          case "UniqueValueRatio" -> "the share of " + column + " values that appear once";
          case "ColumnCorrelation" -> "the correlation of " + column + " and " + p.getOrDefault("TargetColumn2", "the other column");
          default -> "the " + type + (column.isEmpty() ? "" : " of " + column);
        };
    if (value == null) {
      return measure + " could not be measured" + (passed ? "" : " (expected " + inClause(expected) + ")");
    }
    String v = type.equals("UniqueValueRatio") ? percent(value) : number(value);
    return measure + scope + " is " + v + (passed ? "" : " (expected " + inClause(expected) + ")");
  }

  private static String expected(DQRule r, String unit) {
    return "nothing was measured (expected " + inClause(expected(r)) + " " + unit + ")";
  }

  /** The rule's condition in words: share conditions (completeness, uniqueness, ...) as percentages. */
  static String expected(DQRule r) {
    return expected(r.getCondition(), SHARE_RULES.contains(r.getRuleType()));
  }

  private static String expected(Condition c, boolean share) {
    return c == null ? "" : condition(c, share);
  }

  private static boolean hasThreshold(DQRule r) {
    return r.getThresholdCondition() != null && !r.getThresholdCondition().getConditionAsString().isEmpty();
  }

  /** For a rule with a threshold ("with threshold > 0.9"): what share of rows must satisfy it. */
  private static String threshold(DQRule r, String otherwise) {
    return hasThreshold(r) ? condition(r.getThresholdCondition(), true) + " of rows" : otherwise;
  }

  /**
   * A DQDL condition in words ({@code > 0.9} as "more than 90%" for a share, {@code between 1 and
   * 50} as "between 1 and 50 (bounds excluded)", as DQDL defines it).
   */
  static String condition(Condition c, boolean share) {
    if (c instanceof NumberBasedCondition n) {
      List<String> v = n.getOperands().stream().map(NumericOperand::getOperand).map(o -> share ? percentText(o) : o).toList();
      return switch (n.getOperator()) {
        case GREATER_THAN -> "more than " + v.get(0);
        case GREATER_THAN_EQUAL_TO -> "at least " + v.get(0);
        case LESS_THAN -> "less than " + v.get(0);
        case LESS_THAN_EQUAL_TO -> "at most " + v.get(0);
        case EQUALS -> "exactly " + v.get(0);
        case NOT_EQUALS -> "not " + v.get(0);
        case BETWEEN -> "between " + v.get(0) + " and " + v.get(1) + " (bounds excluded)";
        case NOT_BETWEEN -> "not strictly between " + v.get(0) + " and " + v.get(1);
        case IN -> "in [" + String.join(", ", v) + "]";
        case NOT_IN -> "not in [" + String.join(", ", v) + "]";
      };
    }
    if (c instanceof StringBasedCondition s) {
      List<String> v = s.getOperands().stream().map(StringOperand::formatOperand).toList();
      return switch (s.getOperator()) {
        case EQUALS -> "= " + v.get(0);
        case NOT_EQUALS -> "not " + v.get(0);
        case IN -> "in [" + String.join(", ", v) + "]";
        case NOT_IN -> "not in [" + String.join(", ", v) + "]";
        case MATCHES -> "matching " + v.get(0);
        case NOT_MATCHES -> "not matching " + v.get(0);
      };
    }
    if (c instanceof DateBasedCondition d) {
      List<String> v = d.getOperands().stream().map(DateExpression::getFormattedExpression).toList();
      return switch (d.getOperator()) {
        case GREATER_THAN -> "after " + v.get(0);
        case GREATER_THAN_EQUAL_TO -> "on or after " + v.get(0);
        case LESS_THAN -> "before " + v.get(0);
        case LESS_THAN_EQUAL_TO -> "on or before " + v.get(0);
        case EQUALS -> "on " + v.get(0);
        case NOT_EQUALS -> "not on " + v.get(0);
        case BETWEEN -> "between " + v.get(0) + " and " + v.get(1) + " (bounds excluded)";
        case NOT_BETWEEN -> "not strictly between " + v.get(0) + " and " + v.get(1);
        case IN -> "one of " + String.join(", ", v);
        case NOT_IN -> "none of " + String.join(", ", v);
      };
    }
    return c == null ? "" : c.getFormattedCondition();
  }

  /** The value a rule was decided on: its metric, else the value Deequ's reason quotes. */
  private static Double metric(Map<String, Double> metrics, String reason, String type) {
    List<String> suffixes =
        switch (type) {
          case "IsComplete", "Completeness" -> List.of(".Completeness");
          case "IsUnique", "Uniqueness", "IsPrimaryKey" -> List.of(".Uniqueness");
          case "ColumnValues" -> List.of(".Compliance", ".PatternMatch");
          default -> List.of();
        };
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      if (suffixes.stream().anyMatch(e.getKey()::endsWith)) {
        return e.getValue();
      }
    }
    if (suffixes.isEmpty() && metrics.size() == 1) {
      return metrics.values().iterator().next();
    }
    Matcher m = VALUE.matcher(reason == null ? "" : reason);
    if (m.find() && !m.group(1).equals("NULL")) {
      try {
        return Double.valueOf(m.group(1));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  /** 0.9615 as "96.15%", never rounding a failure up to 100% or a trace down to 0%. */
  public static String percent(double share) {
    double p = share * 100;
    if (p > 99.99 && p < 100) {
      return "99.99%";
    }
    if (p > 0 && p < 0.01) {
      return "0.01%";
    }
    return new BigDecimal(p).setScale(2, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "%";
  }

  private static String percentText(String operand) {
    try {
      return percent(Double.parseDouble(operand));
    } catch (NumberFormatException e) {
      return operand;
    }
  }

  static String count(double n) {
    return String.format(Locale.ROOT, "%,d", (long) n);
  }

  /** A measured value: whole numbers as such, others to at most four decimals. */
  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    return new BigDecimal(v).setScale(4, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }
}

package dev.strata.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import software.amazon.glue.dqdl.model.DQRule;
import software.amazon.glue.dqdl.model.condition.Condition;
import software.amazon.glue.dqdl.model.condition.date.DateBasedCondition;
import software.amazon.glue.dqdl.model.condition.date.DateExpression;
import software.amazon.glue.dqdl.model.condition.number.NumberBasedConditionOperator;
import software.amazon.glue.dqdl.model.condition.number.AtomicNumberOperand;
import software.amazon.glue.dqdl.model.condition.number.NumberBasedCondition;
import software.amazon.glue.dqdl.model.condition.number.NumericOperand;
import software.amazon.glue.dqdl.model.condition.string.QuotedStringOperand;
import software.amazon.glue.dqdl.model.condition.string.StringBasedCondition;
import software.amazon.glue.dqdl.model.condition.string.StringOperand;

/**
 * The common row-level rules as plain Spark predicates, so they are evaluated in the projection
 * that stages a table's rows: no separate metrics pass, no UDF. Covers {@code IsComplete} and
 * {@code ColumnValues} compared with a number ({@code > >= < <= = !=}) or a set or value of quoted
 * strings ({@code in [...]}, {@code = "..."}), without threshold or where clause. Every other form is
 * left to Deequ. A null value fails, as in Deequ's row-level outcomes (except {@code !=}, which
 * Deequ passes for null); {@code RowLevelRulesTest} checks the two agree row for row.
 */
final class NativeRowRules {
  private NativeRowRules() {}

  /** The predicate a passing row satisfies (true, never null), if this rule has a native form. */
  static Optional<Column> passes(CompiledRule rule) {
    DQRule r = rule.dqRule();
    if (r.getWhereClause() != null || r.getThresholdCondition() != null && !r.getThresholdCondition().getConditionAsString().isEmpty()) {
      return Optional.empty();
    }
    String target = r.getParameters().get("TargetColumn");
    if (target == null) {
      return Optional.empty();
    }
    Column c = col("`" + target + "`");
    switch (r.getRuleType()) {
      case "IsComplete":
        return Optional.of(c.isNotNull());
      case "ColumnValues":
        return columnValues(c, r.getCondition());
      default:
        return Optional.empty();
    }
  }

  private static Optional<Column> columnValues(Column c, Condition condition) {
    if (condition instanceof NumberBasedCondition n) {
      List<NumericOperand> operands = n.getOperands();
      if (operands.size() != 1 || !(operands.get(0) instanceof AtomicNumberOperand atomic)) {
        return Optional.empty();
      }
      BigDecimal v;
      try {
        v = new BigDecimal(atomic.getOperand());
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
      Column compared =
          switch (n.getOperator()) {
            case GREATER_THAN -> c.gt(lit(v));
            case GREATER_THAN_EQUAL_TO -> c.geq(lit(v));
            case LESS_THAN -> c.lt(lit(v));
            case LESS_THAN_EQUAL_TO -> c.leq(lit(v));
            case EQUALS -> c.equalTo(lit(v));
            case NOT_EQUALS -> c.notEqual(lit(v));
            default -> null;
          };
      if (n.getOperator() == NumberBasedConditionOperator.NOT_EQUALS) {
        // Deequ lets a null pass "!=" (it is not equal to the value); every other comparison fails it.
        return Optional.of(c.isNull().or(compared));
      }
      return Optional.ofNullable(compared).map(p -> c.isNotNull().and(p));
    }
    if (condition instanceof StringBasedCondition s) {
      List<StringOperand> operands = s.getOperands();
      if (operands.isEmpty() || !operands.stream().allMatch(o -> o instanceof QuotedStringOperand)) {
        return Optional.empty();
      }
      Object[] values = operands.stream().map(StringOperand::getOperand).toArray();
      Column compared =
          switch (s.getOperator()) {
            case IN -> c.cast("string").isin(values);
            case EQUALS -> values.length == 1 ? c.cast("string").equalTo(lit(values[0])) : null;
            default -> null;
          };
      return Optional.ofNullable(compared).map(p -> c.isNotNull().and(p));
    }
    return Optional.empty();
  }

  /**
   * The predicate a row that shows a rule's failure satisfies, for sample rows (never to decide
   * anything): the rows with a null for IsComplete and Completeness; for ColumnValues and
   * ColumnLength the rows whose value breaks the condition, with nulls counted as Deequ counts them
   * (failing a string or date condition, ignored by a comparison with a number, passing {@code
   * between}); restricted to the rule's where clause. Empty for rules without such a predicate.
   */
  static Optional<Column> violates(CompiledRule rule) {
    DQRule r = rule.dqRule();
    String target = r.getParameters().get("TargetColumn");
    if (target == null) {
      return Optional.empty();
    }
    Column c = col("`" + target + "`");
    Optional<Column> violation =
        switch (r.getRuleType()) {
          case "IsComplete", "Completeness" -> Optional.of(c.isNull());
          case "ColumnValues" -> valueViolation(c, r.getCondition());
          case "ColumnLength" -> numberViolation(org.apache.spark.sql.functions.length(c), r.getCondition(), false);
          default -> Optional.empty();
        };
    String where = r.getWhereClause();
    return where == null || where.isBlank() ? violation : violation.map(v -> org.apache.spark.sql.functions.expr(where).and(v));
  }

  private static Optional<Column> valueViolation(Column c, Condition condition) {
    if (condition instanceof NumberBasedCondition) {
      return numberViolation(c, condition, true);
    }
    if (condition instanceof StringBasedCondition s) {
      if (!s.getOperands().stream().allMatch(o -> o instanceof QuotedStringOperand)) {
        return Optional.empty();
      }
      Object[] values = s.getOperands().stream().map(StringOperand::getOperand).toArray();
      Column v = c.cast("string");
      Column passes =
          switch (s.getOperator()) {
            case IN -> v.isin(values);
            case NOT_IN -> not(v.isin(values));
            case EQUALS -> v.equalTo(lit(values[0]));
            case NOT_EQUALS -> v.notEqual(lit(values[0]));
            case MATCHES -> v.rlike("^(?:" + values[0] + ")$");
            case NOT_MATCHES -> not(v.rlike("^(?:" + values[0] + ")$"));
          };
      return Optional.of(c.isNull().or(not(passes)));
    }
    if (condition instanceof DateBasedCondition d) {
      List<Column> values = new java.util.ArrayList<>();
      for (DateExpression e : d.getOperands()) {
        if (!(e instanceof DateExpression.StaticDate) && !(e instanceof DateExpression.StaticDateTime)) {
          return Optional.empty();
        }
        values.add(lit(java.sql.Timestamp.valueOf(e.getEvaluatedExpression())));
      }
      Column v = c.cast("timestamp");
      Column passes =
          switch (d.getOperator()) {
            case GREATER_THAN -> v.gt(values.get(0));
            case GREATER_THAN_EQUAL_TO -> v.geq(values.get(0));
            case LESS_THAN -> v.lt(values.get(0));
            case LESS_THAN_EQUAL_TO -> v.leq(values.get(0));
            case EQUALS -> v.equalTo(values.get(0));
            case NOT_EQUALS -> v.notEqual(values.get(0));
            case BETWEEN -> v.gt(values.get(0)).and(v.lt(values.get(1)));
            case NOT_BETWEEN -> not(v.gt(values.get(0)).and(v.lt(values.get(1))));
            case IN -> v.isin(values.toArray());
            case NOT_IN -> not(v.isin(values.toArray()));
          };
      return Optional.of(c.isNull().or(not(passes)));
    }
    return Optional.empty();
  }

  /** Values breaking a numeric condition; nulls are ignored, as Deequ's minimum, maximum and between ignore them. */
  private static Optional<Column> numberViolation(Column c, Condition condition, boolean values) {
    if (!(condition instanceof NumberBasedCondition n)) {
      return Optional.empty();
    }
    List<BigDecimal> v = new java.util.ArrayList<>();
    for (NumericOperand o : n.getOperands()) {
      if (!(o instanceof AtomicNumberOperand)) {
        return Optional.empty();
      }
      try {
        v.add(new BigDecimal(o.getOperand()));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    Column passes =
        switch (n.getOperator()) {
          case GREATER_THAN -> c.gt(lit(v.get(0)));
          case GREATER_THAN_EQUAL_TO -> c.geq(lit(v.get(0)));
          case LESS_THAN -> c.lt(lit(v.get(0)));
          case LESS_THAN_EQUAL_TO -> c.leq(lit(v.get(0)));
          case EQUALS -> c.equalTo(lit(v.get(0)));
          case NOT_EQUALS -> c.notEqual(lit(v.get(0)));
          case BETWEEN -> c.gt(lit(v.get(0))).and(c.lt(lit(v.get(1))));
          case NOT_BETWEEN -> not(c.gt(lit(v.get(0))).and(c.lt(lit(v.get(1)))));
          case IN -> c.isin(v.toArray());
          case NOT_IN -> not(c.isin(v.toArray()));
        };
    boolean nullsFail = values && (n.getOperator() == NumberBasedConditionOperator.IN || n.getOperator() == NumberBasedConditionOperator.EQUALS);
    return Optional.of(nullsFail ? c.isNull().or(not(passes)) : c.isNotNull().and(not(passes)));
  }
}

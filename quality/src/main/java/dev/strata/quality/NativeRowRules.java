package dev.strata.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import software.amazon.glue.dqdl.model.DQRule;
import software.amazon.glue.dqdl.model.condition.Condition;
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
      if (n.getOperator() == software.amazon.glue.dqdl.model.condition.number.NumberBasedConditionOperator.NOT_EQUALS) {
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
}

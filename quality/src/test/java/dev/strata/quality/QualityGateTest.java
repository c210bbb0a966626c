package dev.strata.quality;

import static dev.strata.testing.SparkTestSession.row;
import static dev.strata.testing.SparkTestSession.rows;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class QualityGateTest {

  private static CompiledRule rule(String text, RuleGroup group) {
    Rules.Compilation c = Rules.compile(new RuleSpec(text, group, "test"));
    assertThat(c.problem()).isNull();
    return c.rule();
  }

  private final Dataset<Row> customers =
      rows(
          "customer_id STRING, has_loan_flag BOOLEAN, balance DECIMAL(18,2)",
          row("C1", true, new java.math.BigDecimal("10.00")),
          row("C2", false, new java.math.BigDecimal("-5.00")),
          row(null, true, new java.math.BigDecimal("7.00")),
          row("C2", false, new java.math.BigDecimal("3.00")));

  @Test
  void passingAndFailingRulesCarryObservedValues() {
    GateResult result =
        QualityGate.evaluate(
            customers,
            List.of(
                rule("RowCount > 0", RuleGroup.ERROR),
                rule("IsComplete \"customer_id\"", RuleGroup.ERROR),
                rule("ColumnValues \"balance\" >= 0", RuleGroup.WARN)),
            Map.of());

    assertThat(result.results()).hasSize(3);
    RuleResult rowCount = result.results().get(0);
    assertThat(rowCount.passed()).isTrue();
    assertThat(rowCount.observed()).containsEntry("Dataset.*.RowCount", 4.0);

    RuleResult complete = result.results().get(1);
    assertThat(complete.passed()).isFalse();
    assertThat(complete.blocks()).isTrue();
    assertThat(complete.observed()).containsEntry("Column.customer_id.Completeness", 0.75);

    RuleResult balance = result.results().get(2);
    assertThat(balance.passed()).isFalse();
    assertThat(balance.warns()).isTrue();

    assertThat(result.passed()).isFalse();
    assertThat(result.blocking()).containsExactly(complete);
    assertThat(result.warnings()).containsExactly(balance);
  }

  @Test
  void emptyDataFailsTheNotEmptyRule() {
    GateResult result =
        QualityGate.evaluate(
            customers.limit(0), List.of(rule(Rules.NOT_EMPTY, RuleGroup.ERROR)), Map.of());
    assertThat(result.passed()).isFalse();
    assertThat(result.blocking().get(0).observed()).containsEntry("Dataset.*.RowCount", 0.0);
  }

  @Test
  void uniquenessFailsOnDuplicateKeys() {
    GateResult result =
        QualityGate.evaluate(
            customers.where("customer_id is not null"),
            List.of(rule("IsUnique \"customer_id\"", RuleGroup.ERROR)),
            Map.of());
    assertThat(result.results().get(0).passed()).isFalse();
    assertThat(result.results().get(0).outcome()).isEqualTo("FAILED");
  }

  @Test
  void aRuleThatCannotRunOnTheDataBlocksEvenAsAWarning() {
    // Deequ compares a boolean column with strings and fails with an AnalysisException: that is
    // not a data failure, and the data was not verified, so it must block.
    GateResult result =
        QualityGate.evaluate(
            customers,
            List.of(
                rule("ColumnValues \"has_loan_flag\" in [\"true\", \"false\"]", RuleGroup.WARN),
                rule("IsComplete \"no_such_column\"", RuleGroup.WARN)),
            Map.of());
    assertThat(result.results())
        .allSatisfy(
            r -> {
              assertThat(r.outcome()).isEqualTo("ERROR");
              assertThat(r.blocks()).isTrue();
              assertThat(r.message()).startsWith("Cannot evaluate the rule on this data:");
            });
    assertThat(result.passed()).isFalse();
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void referentialIntegrityUsesTheNamedReference() {
    Dataset<Row> accounts =
        rows("account_id STRING, customer_id STRING", row("A1", "C1"), row("A2", "C9"));
    Dataset<Row> known = rows("customer_id STRING", row("C1"), row("C2"));
    CompiledRule ri =
        rule("ReferentialIntegrity \"customer_id\" \"stg_customer.customer_id\" = 1.0", RuleGroup.ERROR);

    GateResult orphan = QualityGate.evaluate(accounts, List.of(ri), Map.of("stg_customer", known));
    assertThat(orphan.passed()).isFalse();
    assertThat(orphan.results().get(0).observedText()).contains("0.5");

    GateResult clean =
        QualityGate.evaluate(
            accounts.where("customer_id = 'C1'"), List.of(ri), Map.of("stg_customer", known));
    assertThat(clean.passed()).isTrue();
  }
}

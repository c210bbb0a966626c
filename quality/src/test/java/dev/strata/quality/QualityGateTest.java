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
    assertThat(result.results().get(0).outcome()).isEqualTo(RuleResult.Outcome.FAILED);
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
              assertThat(r.outcome()).isEqualTo(RuleResult.Outcome.ERROR);
              assertThat(r.blocks()).isTrue();
              assertThat(r.message()).containsAnyOf("the rule cannot be evaluated", "so the rule cannot be evaluated");
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
    assertThat(orphan.results().get(0).metricsText()).contains("0.5");

    GateResult clean =
        QualityGate.evaluate(
            accounts.where("customer_id = 'C1'"), List.of(ri), Map.of("stg_customer", known));
    assertThat(clean.passed()).isTrue();
  }

  private final Dataset<Row> unique =
      rows("customer_id STRING, region STRING", row("C1", "north"), row("C2", "north"), row("C3", "south"));

  /** Spark jobs {@code action} ran. */
  private static int jobs(Runnable action) throws java.util.concurrent.TimeoutException {
    org.apache.spark.SparkContext sc = dev.strata.testing.SparkTestSession.get().sparkContext();
    java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
        started.incrementAndGet();
      }
    };
    sc.listenerBus().waitUntilEmpty();
    sc.addSparkListener(listener);
    try {
      action.run();
      sc.listenerBus().waitUntilEmpty();
      return started.get();
    } finally {
      sc.removeSparkListener(listener);
    }
  }

  @Test
  void aKeyTheStagingPassFoundUniqueNeedsNoPassOfItsOwn() throws Exception {
    List<CompiledRule> rules = List.of(rule("IsPrimaryKey \"customer_id\"", RuleGroup.ERROR), rule("IsUnique \"customer_id\"", RuleGroup.ERROR));
    KnownMetrics known = new KnownMetrics(3, Map.of("customer_id", 0L, "region", 0L), List.of("customer_id"), 3);
    GateResult[] proven = new GateResult[1];

    assertThat(jobs(() -> proven[0] = QualityGate.evaluate(unique, rules, Map.of(), known))).isZero();

    // The same outcomes and observed values, under the same names, as Deequ's own pass.
    GateResult deequ = QualityGate.evaluate(unique, rules, Map.of());
    assertThat(proven[0].passed()).isTrue();
    for (int i = 0; i < rules.size(); i++) {
      assertThat(proven[0].results().get(i).passed()).isEqualTo(deequ.results().get(i).passed()).isTrue();
      assertThat(proven[0].results().get(i).observed()).isEqualTo(deequ.results().get(i).observed());
    }
    assertThat(proven[0].results().get(0).observed())
        .containsEntry("Column.customer_id.Uniqueness", 1.0).containsEntry("Column.customer_id.Completeness", 1.0);
  }

  @Test
  void aTwoColumnKeyTheStagingPassFoundUniqueNeedsNoPassOfItsOwn() throws Exception {
    List<CompiledRule> rules = List.of(rule("IsPrimaryKey \"customer_id\" \"region\"", RuleGroup.ERROR),
        rule("IsPrimaryKey \"region\" \"customer_id\"", RuleGroup.ERROR));
    KnownMetrics known = new KnownMetrics(3, Map.of("customer_id", 0L, "region", 0L), List.of("customer_id", "region"), 3);
    GateResult[] proven = new GateResult[1];

    assertThat(jobs(() -> proven[0] = QualityGate.evaluate(unique, rules, Map.of(), known))).isZero();

    GateResult deequ = QualityGate.evaluate(unique, rules, Map.of());
    for (int i = 0; i < rules.size(); i++) {
      assertThat(proven[0].results().get(i).passed()).isEqualTo(deequ.results().get(i).passed()).isTrue();
      assertThat(proven[0].results().get(i).observed()).as(rules.get(i).spec().text()).isEqualTo(deequ.results().get(i).observed());
    }
    // A key column with nulls, or a key the rule does not name in full, is Deequ's to decide.
    KnownMetrics nulls = new KnownMetrics(3, Map.of("customer_id", 1L, "region", 0L), List.of("customer_id", "region"), 3);
    assertThat(jobs(() -> QualityGate.evaluate(unique, rules.subList(0, 1), Map.of(), nulls))).isPositive();
    assertThat(jobs(() -> QualityGate.evaluate(unique, List.of(rule("IsPrimaryKey \"customer_id\"", RuleGroup.ERROR)), Map.of(), known)))
        .isPositive();
  }

  @Test
  void whatTheMeasurementsDoNotProveIsLeftToDeequ() throws Exception {
    // Duplicated keys: Deequ reports the exact fraction a failure needs.
    GateResult duplicated = QualityGate.evaluate(customers, List.of(rule("IsUnique \"customer_id\"", RuleGroup.ERROR)), Map.of(),
        new KnownMetrics(4, Map.of("customer_id", 1L), List.of("customer_id"), 3));
    assertThat(duplicated.passed()).isFalse();
    assertThat(duplicated.results().get(0).observed().get("Column.customer_id.Uniqueness")).isLessThan(1.0);

    // Another column than the key, a where clause, unknown metrics: all go to Deequ, in the order given.
    KnownMetrics known = new KnownMetrics(3, Map.of("customer_id", 0L, "region", 0L), List.of("customer_id"), 3);
    List<CompiledRule> rules = List.of(
        rule("IsUnique \"region\"", RuleGroup.WARN),
        rule("IsPrimaryKey \"customer_id\"", RuleGroup.ERROR),
        rule("IsUnique \"customer_id\" where \"region = 'north'\"", RuleGroup.ERROR),
        rule("RowCount = 3", RuleGroup.ERROR));
    GateResult mixed = QualityGate.evaluate(unique, rules, Map.of(), known);
    assertThat(jobs(() -> QualityGate.evaluate(unique, rules.subList(1, 2), Map.of(), known))).isZero();
    assertThat(jobs(() -> QualityGate.evaluate(unique, rules, Map.of(), known))).isPositive();
    assertThat(mixed.results()).extracting(r -> r.spec().text()).containsExactly(
        "IsUnique \"region\"", "IsPrimaryKey \"customer_id\"", "IsUnique \"customer_id\" where \"region = 'north'\"", "RowCount = 3");
    assertThat(mixed.results().get(0).observed()).containsEntry("Column.region.Uniqueness", 1.0 / 3);
    assertThat(mixed.results()).extracting(RuleResult::passed).containsExactly(false, true, true, true);
  }
}

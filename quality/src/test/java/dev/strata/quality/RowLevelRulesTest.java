package dev.strata.quality;

import static dev.strata.testing.SparkTestSession.row;
import static dev.strata.testing.SparkTestSession.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class RowLevelRulesTest {
  private static CompiledRule rule(String text) {
    Rules.Compilation c = Rules.compile(new RuleSpec(text, RuleGroup.QUARANTINE, "test"));
    assertThat(c.problem()).isNull();
    return c.rule();
  }

  private final Dataset<Row> accounts =
      rows(
          "account_id STRING, customer_id STRING, balance DECIMAL(18,2), flag STRING",
          row("A1", "C1", new BigDecimal("10.00"), "Y"),
          row("A2", "C9", new BigDecimal("-5.00"), "maybe"),
          row(null, "C1", new BigDecimal("7.00"), "N"),
          row("A4", null, null, "Y"));
  private final Dataset<Row> customers = rows("customer_id STRING, name STRING", row("C1", "Ada"), row("C2", "Alan"), row("C1", "dup"));

  /** account_id to the rules it failed. */
  private static Map<String, List<String>> failures(Dataset<Row> evaluated) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Row r : evaluated.collectAsList()) {
      out.put(String.valueOf(r.<String>getAs("account_id")), r.getList(r.fieldIndex(RowLevelRules.FAILED_RULES)));
    }
    return out;
  }

  @Test
  void eachRowListsTheRulesItFailedInTheirDeclaredText() {
    Dataset<Row> evaluated =
        RowLevelRules.withFailures(
            accounts,
            List.of(
                rule("IsComplete \"account_id\""),
                rule("ColumnValues  \"balance\" >= 0"),
                rule("ColumnValues \"flag\" in [\"Y\", \"N\"]"),
                rule("ReferentialIntegrity \"customer_id\" \"stg_customer.customer_id\" = 1.0")),
            Map.of("stg_customer", customers));

    assertThat(evaluated.columns())
        .containsExactly("account_id", "customer_id", "balance", "flag", RowLevelRules.FAILED_RULES);
    Map<String, List<String>> f = failures(evaluated);
    assertThat(f.get("A1")).isEmpty();
    assertThat(f.get("A2"))
        .containsExactlyInAnyOrder(
            "ColumnValues  \"balance\" >= 0",
            "ColumnValues \"flag\" in [\"Y\", \"N\"]",
            "ReferentialIntegrity \"customer_id\" \"stg_customer.customer_id\" = 1.0");
    assertThat(f.get("null")).containsExactly("IsComplete \"account_id\"");
    // A null balance fails the comparison; a null key references nothing.
    assertThat(f.get("A4"))
        .containsExactlyInAnyOrder(
            "ColumnValues  \"balance\" >= 0",
            "ReferentialIntegrity \"customer_id\" \"stg_customer.customer_id\" = 1.0");
    assertThat(evaluated.count()).as("the reference's duplicate keys do not multiply rows").isEqualTo(4);
  }

  @Test
  void onlyRowLevelRulesAreAccepted() {
    assertThat(RowLevelRules.isRowLevel(rule("RowCount > 0"))).isFalse();
    assertThat(RowLevelRules.isRowLevel(rule("IsUnique \"a\""))).isTrue();
    assertThatThrownBy(() -> RowLevelRules.withFailures(accounts, List.of(rule("Mean \"balance\" > 0")), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no per-row outcome");
  }

  @Test
  void uniquenessMarksEveryRowOfADuplicateKey() {
    Map<String, List<String>> f =
        failures(RowLevelRules.withFailures(accounts, List.of(rule("IsUnique \"customer_id\"")), Map.of()));
    assertThat(f.get("A1")).containsExactly("IsUnique \"customer_id\"");
    assertThat(f.get("null")).containsExactly("IsUnique \"customer_id\"");
    assertThat(f.get("A2")).isEmpty();
  }

  @Test
  void nativePredicatesAgreeWithDeequRowForRow() {
    Dataset<Row> data =
        rows(
            "account_id STRING, n DECIMAL(18,2), d DOUBLE, i INT, s STRING",
            row("r1", new BigDecimal("0.00"), 0.0, 0, "a"),
            row("r2", new BigDecimal("-0.01"), -1.5, -1, "b"),
            row("r3", new BigDecimal("10.00"), 10.0, 10, "A"),
            row("r4", null, null, null, null),
            row("r5", new BigDecimal("0.01"), 0.01, 1, "c"),
            row("r6", new BigDecimal("5.00"), 5.0, 5, ""));
    List<String> forms =
        List.of(
            "IsComplete \"s\"", "IsComplete \"n\"",
            "ColumnValues \"n\" >= 0", "ColumnValues \"n\" > 0", "ColumnValues \"n\" <= 5", "ColumnValues \"n\" < 5",
            "ColumnValues \"n\" = 10", "ColumnValues \"n\" != 10",
            "ColumnValues \"d\" >= 0.01", "ColumnValues \"i\" > -1",
            "ColumnValues \"s\" in [\"a\", \"b\"]", "ColumnValues \"s\" = \"a\"", "ColumnValues \"i\" in [\"0\", \"10\"]");
    for (String form : forms) {
      CompiledRule r = rule(form);
      assertThat(NativeRowRules.passes(r)).as(form + " has a native form").isPresent();
      assertThat(failures(RowLevelRules.withFailures(data, List.of(r), Map.of(), true)))
          .as(form)
          .isEqualTo(failures(RowLevelRules.withFailures(data, List.of(r), Map.of(), false)));
    }
    assertThat(RowLevelRules.singlePass(forms.stream().map(RowLevelRulesTest::rule).toList())).isTrue();
    // Forms without a native translation stay with Deequ.
    assertThat(NativeRowRules.passes(rule("ColumnValues \"n\" between 0 and 5"))).isEmpty();
    assertThat(NativeRowRules.passes(rule("ColumnValues \"s\" matches \"[a-z]\""))).isEmpty();
    assertThat(NativeRowRules.passes(rule("ColumnValues \"n\" > 0 with threshold > 0.5"))).isEmpty();
    assertThat(RowLevelRules.singlePass(List.of(rule("IsUnique \"s\"")))).isFalse();
  }
}

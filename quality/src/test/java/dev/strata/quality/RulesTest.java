package dev.strata.quality;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RulesTest {

  private static Rules.Compilation compile(String text) {
    return Rules.compile(new RuleSpec(text, RuleGroup.ERROR, "test.yaml:1"));
  }

  @Test
  void compilesSupportedRules() {
    for (String text :
        new String[] {
          "IsComplete \"customer_id\"",
          "IsUnique \"customer_id\"",
          "IsPrimaryKey \"account_id\"",
          "RowCount > 0",
          "ColumnValues \"interest_rate_pct\" between 0.0099 and 0.0251",
          "ColumnValues \"account_type\" in [\"checking\", \"savings\"]",
          "ReferentialIntegrity \"customer_id\" \"stg_customer.customer_id\" = 1.0",
          "Completeness \"email\" > 0.9",
        }) {
      Rules.Compilation c = compile(text);
      assertThat(c.problem()).as(text).isNull();
      assertThat(c.rule().spec().text()).isEqualTo(text);
    }
  }

  @Test
  void rejectsSyntaxErrorsWithTheParserDetail() {
    Rules.Compilation c = compile("RowCount >> 0");
    assertThat(c.ok()).isFalse();
    assertThat(c.problem()).startsWith("it is not valid DQDL:");
  }

  @Test
  void rejectsRulesThisDeequCannotEvaluate() {
    Rules.Compilation c = compile("DetectAnomalies \"RowCount\"");
    assertThat(c.ok()).isFalse();
    assertThat(c.problem())
        .contains("rule type DetectAnomalies cannot be evaluated by this Deequ")
        .contains("use another rule type");
  }

  @Test
  void rejectsEmptyAndMultipleRules() {
    assertThat(compile("  ").problem()).isEqualTo("the rule is empty");
    assertThat(compile("RowCount > 0, IsComplete \"a\"").problem())
        .isEqualTo("it holds 2 rules; write one rule per list entry");
  }

  @Test
  void findsTheDatasetsARuleReferences() {
    assertThat(
            Rules.referencedDatasets(
                compile("ReferentialIntegrity \"customer_id\" \"stg_customer.customer_id\" = 1.0")
                    .rule()))
        .containsExactly("stg_customer");
    assertThat(Rules.referencedDatasets(compile("RowCountMatch \"accounts\" >= 0.9").rule()))
        .containsExactly("accounts");
    assertThat(Rules.referencedDatasets(compile("IsComplete \"a\"").rule())).isEmpty();
  }
}

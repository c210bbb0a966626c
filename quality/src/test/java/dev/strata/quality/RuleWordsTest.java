package dev.strata.quality;

import static dev.strata.testing.SparkTestSession.row;
import static dev.strata.testing.SparkTestSession.rows;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule type Strata evaluates, failing and passing, read as a person reads it: what was
 * observed against what was expected, and the rows that show it. Nothing of Deequ's own vocabulary
 * may reach these words.
 */
class RuleWordsTest {
  /** Four rows: a repeated id, a null name, quantities on and beyond the bounds 1 and 50, an all-null column. */
  private static final Dataset<Row> DATA =
      rows(
          "id STRING, q INT, name STRING, d DATE, x DOUBLE, n STRING",
          row("A", 1, "ab", Date.valueOf("2024-01-01"), 1.0, null),
          row("B", 50, "abc", Date.valueOf("2024-01-02"), 2.0, null),
          row("B", 20, null, Date.valueOf("2024-01-03"), 3.0, null),
          row("C", 60, "abcdefgh", Date.valueOf("2024-01-04"), 4.5, null));
  private static final Dataset<Row> REF = rows("id STRING", row("A"), row("B"));
  private static final KnownMetrics KEYED = new KnownMetrics(-1, Map.of(), List.of("id"), -1);
  /** Every message this test produced, for the vocabulary check at the end. */
  private static final List<String> SEEN = new ArrayList<>();

  static Stream<Arguments> failing() {
    return Stream.of(
        Arguments.of("RowCount between 10 and 20", "4 rows (expected between 10 and 20, bounds excluded)", List.of()),
        Arguments.of("IsComplete \"name\"", "75% of 4 rows have a name; 1 is null (expected every row has one)", List.of("id=B, name=null, q=20")),
        Arguments.of("Completeness \"name\" > 0.9", "75% of 4 rows have a name; 1 is null (expected more than 90% of rows have one)",
            List.of("id=B, name=null, q=20")),
        Arguments.of("Completeness \"name\" >= 0.9 where \"q > 10\"",
            "66.67% of rows where q > 10 have a name (expected at least 90% of rows have one)", List.of("id=B, name=null, q=20")),
        Arguments.of("IsUnique \"id\"",
            "50% of 4 rows have an id no other row has; 2 share theirs with another row (expected every id different)",
            List.of("id=B (2 rows)")),
        Arguments.of("IsPrimaryKey \"id\"",
            "50% of 4 rows have an id no other row has; 2 share theirs with another row (expected every row an id, each different)",
            List.of("id=B (2 rows)")),
        Arguments.of("Uniqueness \"id\" > 0.9",
            "50% of 4 rows have an id no other row has; 2 share theirs with another row (expected more than 90% of rows with their own)",
            List.of("id=B (2 rows)")),
        Arguments.of("IsUnique \"n\"", "all 4 rows have a null n, so there is nothing to measure (expected every n present and different)",
            List.of("n=null (4 rows)")),
        Arguments.of("ColumnValues \"q\" between 1 and 50",
            "25% of 4 rows satisfy q between 1 and 50 (bounds excluded); 3 do not (expected every row)",
            List.of("id=A, q=1, name=ab", "id=B, q=50, name=abc", "id=C, q=60, name=abcdefgh")),
        Arguments.of("ColumnValues \"q\" between 1 and 50 with threshold > 0.9",
            "25% of 4 rows satisfy q between 1 and 50 (bounds excluded); 3 do not (expected more than 90% of rows)",
            List.of("id=A, q=1, name=ab", "id=B, q=50, name=abc", "id=C, q=60, name=abcdefgh")),
        Arguments.of("ColumnValues \"q\" not between 1 and 50",
            "75% of 4 rows satisfy q not strictly between 1 and 50; 1 does not (expected every row)", List.of("id=B, q=20, name=null")),
        Arguments.of("ColumnValues \"q\" <= 50", "the largest q is 60 (expected every q at most 50)", List.of("id=C, q=60, name=abcdefgh")),
        Arguments.of("ColumnValues \"q\" > 10", "the smallest q is 1 (expected every q more than 10)", List.of("id=A, q=1, name=ab")),
        Arguments.of("ColumnValues \"q\" in [1, 50]", "50% of 4 rows satisfy q in [1, 50]; 2 do not (expected every row)",
            List.of("id=B, q=20, name=null", "id=C, q=60, name=abcdefgh")),
        Arguments.of("ColumnValues \"name\" in [\"ab\",\"abc\"]",
            "50% of 4 rows satisfy name in [\"ab\", \"abc\"]; 2 do not (expected every row)",
            List.of("id=B, name=null, q=20", "id=C, name=abcdefgh, q=60")),
        Arguments.of("ColumnValues \"name\" matches \"[a-c]+\"",
            "50% of 4 rows satisfy name matching \"[a-c]+\"; 2 do not (expected every row)",
            List.of("id=B, name=null, q=20", "id=C, name=abcdefgh, q=60")),
        Arguments.of("ColumnValues \"d\" > \"2024-01-02\"", "50% of 4 rows satisfy d after \"2024-01-02\"; 2 do not (expected every row)",
            List.of("id=A, d=2024-01-01, q=1", "id=B, d=2024-01-02, q=50")),
        Arguments.of("ColumnLength \"name\" <= 3", "the longest name is 8 characters (expected every name at most 3 characters long)",
            List.of("id=C, name=abcdefgh, q=60")),
        Arguments.of("ColumnLength \"name\" between 2 and 4",
            "the shortest name is 2 characters, the longest name is 8 characters"
                + " (expected every name between 2 and 4 characters long, bounds excluded)",
            List.of("id=A, name=ab, q=1", "id=C, name=abcdefgh, q=60")),
        Arguments.of("Mean \"q\" > 40", "the mean of q is 32.75 (expected more than 40)", List.of()),
        Arguments.of("Sum \"q\" < 100", "the sum of q is 131 (expected less than 100)", List.of()),
        Arguments.of("StandardDeviation \"q\" < 5", "the standard deviation of q is 23.5093 (expected less than 5)", List.of()),
        Arguments.of("Entropy \"id\" > 2", "the entropy of id is 1.0397 (expected more than 2)", List.of()),
        Arguments.of("DistinctValuesCount \"id\" > 5", "the number of distinct id values is 3 (expected more than 5)", List.of()),
        Arguments.of("UniqueValueRatio \"id\" > 0.9", "the share of id values that appear once is 66.67% (expected more than 90%)", List.of()),
        Arguments.of("ColumnCorrelation \"q\" \"x\" > 0.99", "the correlation of q and x is 0.7165 (expected more than 0.99)", List.of()),
        Arguments.of("CustomSql \"select count(*) from primary where q > 50\" = 0", "the query returned 1 (expected exactly 0)", List.of()),
        Arguments.of("CustomSql \"select max(q) from primary\" < 50", "the query returned 60 (expected less than 50)", List.of()),
        Arguments.of("ColumnExists \"zz\"", "there is no column zz (expected one)", List.of()),
        Arguments.of("ColumnCount = 3", "6 columns (expected exactly 3)", List.of()),
        Arguments.of("ReferentialIntegrity \"id\" \"ref.id\" = 1.0",
            "75% of 4 rows have an id found in ref.id; 1 does not (expected every row's found)", List.of("id=C, q=60, name=abcdefgh")),
        Arguments.of("RowCountMatch \"ref\" = 1.0", "the row count is 200% of ref's (expected exactly 100%)", List.of()),
        Arguments.of("SchemaMatch \"ref\" = 1.0", "0% of the schema matches ref's (expected exactly 100%)", List.of()),
        Arguments.of("DataFreshness \"d\" <= 24 hours", "0% of rows have a d <= 24 hours old (expected all)", List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failing")
  void aFailedRuleSaysWhatWasObservedAgainstWhatWasExpectedAndShowsTheRows(String rule, String words, List<String> samples) {
    RuleResult r = evaluate(DATA, rule);
    assertThat(r.outcome()).isEqualTo(RuleResult.Outcome.FAILED);
    assertThat(r.message()).isEqualTo(words);
    assertThat(r.samples()).containsExactlyInAnyOrderElementsOf(samples);
  }

  static Stream<Arguments> passing() {
    return Stream.of(
        Arguments.of("RowCount > 0", "4 rows"),
        Arguments.of("IsComplete \"id\"", "all 4 rows have an id"),
        Arguments.of("IsPrimaryKey \"id\" \"q\"", "every row has a (id, q) no other row has"),
        Arguments.of("ColumnValues \"q\" > 0 where \"id = 'B'\"", "the smallest q is 20"),
        Arguments.of("ColumnDataType \"q\" = \"INTEGER\"", "every q value is \"INTEGER\""),
        Arguments.of("ColumnNamesMatchPattern \"[a-z]\"", "every column name matches [a-z]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("passing")
  void aPassedRuleSaysWhatWasObserved(String rule, String words) {
    RuleResult r = evaluate(DATA, rule);
    assertThat(r.outcome()).isEqualTo(RuleResult.Outcome.PASSED);
    assertThat(r.message()).isEqualTo(words);
    assertThat(r.samples()).isEmpty();
  }

  @Test
  void onNoRowsTheRowCountRuleFailsAndRulesThatNeedRowsAreNotEvaluated() {
    Dataset<Row> empty = DATA.limit(0);
    assertThat(evaluate(empty, "RowCount > 0").message()).isEqualTo("0 rows (expected more than 0)");
    for (String rule : List.of("IsComplete \"name\"", "IsPrimaryKey \"id\"", "ColumnValues \"q\" between 1 and 50",
        "ColumnValues \"name\" in [\"ab\"]", "Mean \"q\" > 40", "UniqueValueRatio \"id\" > 0.9", "ReferentialIntegrity \"id\" \"ref.id\" = 1.0")) {
      RuleResult r = evaluate(empty, rule);
      assertThat(r.outcome()).as(rule).isEqualTo(RuleResult.Outcome.NOT_EVALUATED);
      assertThat(r.message()).as(rule).isEqualTo("not evaluated: there are no rows to check");
      assertThat(r.blocks()).as("an error rule that could not be evaluated still blocks").isTrue();
    }
    // A where clause that selects nothing: nothing to check, which is not a failure.
    assertThat(evaluate(empty, "Completeness \"name\" >= 0.9 where \"q > 10\"").message()).isEqualTo("no rows where q > 10 to check");
  }

  @Test
  void aRuleNamingAMissingColumnSaysWhichColumnsThereAre() {
    RuleResult r = evaluate(DATA, "IsComplete \"missing\"");
    assertThat(r.outcome()).isEqualTo(RuleResult.Outcome.ERROR);
    assertThat(r.message())
        .isEqualTo("the data has no column missing (its columns: id, q, name, d, x, n), so the rule cannot be evaluated;"
            + " fix the rule or the transform");
  }

  @Test
  void aRuleSparkCannotAnalyseIsAnErrorInWords() {
    RuleResult r = evaluate(DATA, "AggregateMatch \"sum(q)\" \"sum(ref.q)\" >= 0.9");
    assertThat(r.outcome()).isEqualTo(RuleResult.Outcome.ERROR);
    assertThat(r.message()).startsWith("the rule cannot be evaluated on this data: ");
  }

  @Test
  void percentagesNeverRoundAFailureToAllOrATraceToNone() {
    assertThat(RuleWords.percent(0.99999)).isEqualTo("99.99%");
    assertThat(RuleWords.percent(0.00001)).isEqualTo("0.01%");
    assertThat(RuleWords.percent(0.9615)).isEqualTo("96.15%");
    assertThat(RuleWords.percent(1.0)).isEqualTo("100%");
  }

  @AfterAll
  static void noDeequVocabularyReachesTheWords() {
    assertThat(SEEN).isNotEmpty().allSatisfy(m -> assertThat(m)
        .doesNotContain("Empty state for analyzer", "(no metric)", "does not meet the constraint", "List(", "Some(", "None,")
        .doesNotContainPattern("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .doesNotContain("Column.", "Dataset.*"));
  }

  private static RuleResult evaluate(Dataset<Row> data, String text) {
    Rules.Compilation c = Rules.compile(new RuleSpec(text, RuleGroup.ERROR, "test"));
    assertThat(c.problem()).as(text).isNull();
    RuleResult r = QualityGate.evaluate(data, List.of(c.rule()), Map.of("ref", REF), KEYED, Samples.DEFAULT).results().get(0);
    SEEN.add(r.message());
    SEEN.addAll(r.samples());
    return r;
  }
}

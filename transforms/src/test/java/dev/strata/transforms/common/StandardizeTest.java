package dev.strata.transforms.common;

import static dev.strata.testing.SparkTestSession.row;
import static dev.strata.testing.SparkTestSession.strings;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class StandardizeTest {

  @Test
  void flagAcceptsEverySpellingAndNullsTheRest() {
    List<Row> out =
        strings(
                "raw",
                row("Y"), row("n"), row(" yes "), row("NO"), row("1"), row("0"), row("true"),
                row("False"), row("maybe"), row(""), row((Object) null))
            .select(col("raw"), Standardize.flag(col("raw")).as("flag"))
            .collectAsList();
    assertThat(out.stream().map(r -> r.isNullAt(1) ? null : r.getBoolean(1)).toList())
        .containsExactly(true, false, true, false, true, false, true, false, null, null, null);
  }

  @Test
  void textTrimsAndEmptyBecomesNull() {
    List<Row> out =
        strings("raw", row("  A@B.Com "), row("   "))
            .select(Standardize.lowerText(col("raw")), Standardize.text(col("raw")))
            .collectAsList();
    assertThat(out.get(0).getString(0)).isEqualTo("a@b.com");
    assertThat(out.get(0).getString(1)).isEqualTo("A@B.Com");
    assertThat(out.get(1).isNullAt(0)).isTrue();
    assertThat(out.get(1).isNullAt(1)).isTrue();
  }

  @Test
  void decimalThatDoesNotParseIsNull() {
    List<Row> out =
        strings("raw", row("12.345"), row("N/A"), row(" 7 "))
            .select(Standardize.decimal(col("raw"), 18, 2))
            .collectAsList();
    assertThat(out.get(0).getDecimal(0)).isEqualByComparingTo("12.35");
    assertThat(out.get(1).isNullAt(0)).isTrue();
    assertThat(out.get(2).getDecimal(0)).isEqualByComparingTo("7.00");
  }
}

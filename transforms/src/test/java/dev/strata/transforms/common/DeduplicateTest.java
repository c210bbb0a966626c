package dev.strata.transforms.common;

import static dev.strata.testing.SparkTestSession.row;
import static dev.strata.testing.SparkTestSession.sortedRows;
import static dev.strata.testing.SparkTestSession.strings;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeduplicateTest {

  @Test
  void keepsTheFirstRowPerKeyAndEveryNullKeyRow() {
    var rows =
        strings(
            "id,ts,v",
            row("a", "2", "new"),
            row("a", "1", "old"),
            row("b", "1", "only"),
            row(null, "1", "x"),
            row(null, "2", "y"));
    var out = Deduplicate.firstPerKey(rows, new String[] {"id"}, col("ts").desc());
    assertThat(sortedRows(out))
        .containsExactly("[a,2,new]", "[b,1,only]", "[null,1,x]", "[null,2,y]");
  }
}

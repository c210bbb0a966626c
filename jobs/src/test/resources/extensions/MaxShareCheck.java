package com.example.strata;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;

import dev.strata.api.Check;
import dev.strata.api.CheckInput;
import dev.strata.api.CheckResult;
import dev.strata.api.Options;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * At most a share of the rows may have a value below a threshold: "at most 1% negative balances".
 * Options: {@code column}, {@code below}, {@code at_most} (a share between 0 and 1).
 */
public final class MaxShareCheck implements Check {
  @Override
  public String name() {
    return "max_share";
  }

  @Override
  public String describe(Options options) {
    return "MaxShare \"" + options.require("column") + "\" < " + options.require("below") + " <= " + options.require("at_most");
  }

  @Override
  public void validate(Options options) {
    options.require("column");
    options.getDouble("below", 0);
    double share = options.getDouble("at_most", -1);
    if (share < 0 || share > 1) {
      throw new IllegalArgumentException("Option 'at_most' must be a share between 0 and 1, e.g. 0.01.");
    }
  }

  @Override
  public CheckResult evaluate(CheckInput input, Options options) {
    String column = options.require("column");
    double below = options.getDouble("below", 0);
    double atMost = options.getDouble("at_most", 0);
    Row r = input.rows().agg(count(lit(1)), count_if(col(column).lt(below))).head();
    long rows = r.getLong(0);
    long under = r.getLong(1);
    if (rows == 0) {
      return new CheckResult(CheckResult.Outcome.NOT_EVALUATED, "no rows to check", Map.of(), java.util.List.of());
    }
    double share = (double) under / rows;
    String words = String.format(Locale.ROOT, "%d of %d rows (%.1f%%) have %s below %s (expected at most %.1f%%)",
        under, rows, 100 * share, column, options.require("below"), 100 * atMost);
    Map<String, Double> observed = Map.of("MaxShare." + column, share);
    return share <= atMost ? CheckResult.passed(words, observed) : CheckResult.failed(words, observed);
  }
}

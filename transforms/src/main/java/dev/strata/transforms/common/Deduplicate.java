package dev.strata.transforms.common;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/** Deduplication steps. */
public final class Deduplicate {
  private Deduplicate() {}

  /**
   * Keeps one row per key: the one ordered first by {@code orderBy} (pass descending columns to keep
   * the latest). Give a total order (add a tie-breaker column) so the choice is deterministic and a
   * re-run keeps the same row. Rows with a null key are all kept: they are not duplicates of each
   * other, and a completeness rule or quarantine must see every one of them.
   */
  public static Dataset<Row> firstPerKey(Dataset<Row> rows, String[] keys, Column... orderBy) {
    Column[] partition = Arrays.stream(keys).map(k -> col(k)).toArray(Column[]::new);
    WindowSpec window = Window.partitionBy(partition).orderBy(orderBy);
    String rank = "__strata_rank";
    Column anyKeyNull =
        Arrays.stream(partition).map(Column::isNull).reduce(Column::or).orElseThrow();
    return rows.withColumn(rank, row_number().over(window))
        .where(col(rank).equalTo(1).or(anyKeyNull))
        .drop(rank);
  }
}

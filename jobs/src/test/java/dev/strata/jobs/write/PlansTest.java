package dev.strata.jobs.write;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.row_number;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.junit.jupiter.api.Test;

/** What a plan promises about computing it again, and about an observation inside it. */
class PlansTest {
  private final SparkSession spark = SparkTestSession.get();
  private final Dataset<Row> rows = spark.range(0, 100).select(col("id"), col("id").mod(7).as("k"));

  @Test
  void aProjectionIsRepeatableAndNarrow() {
    Dataset<Row> projected = rows.where(col("k").gt(1)).withColumn("double", col("id").multiply(2));
    assertThat(Plans.repeatable(projected)).isTrue();
    assertThat(Plans.narrow(projected)).isTrue();
  }

  @Test
  void theClockOrARandomSourceIsNotRepeatable() {
    assertThat(Plans.repeatable(rows.withColumn("at", current_timestamp()))).isFalse();
    assertThat(Plans.repeatable(rows.withColumn("r", rand()))).isFalse();
    assertThat(Plans.repeatable(rows.where(rand().gt(0.5)))).isFalse();
  }

  @Test
  void aJoinAnAggregateOrAWindowIsNotNarrow() {
    assertThat(Plans.narrow(rows.join(rows.select(col("k").as("k2")).distinct(), col("k").equalTo(col("k2"))))).isFalse();
    assertThat(Plans.narrow(rows.groupBy("k").count())).isFalse();
    assertThat(Plans.narrow(rows.withColumn("n", row_number().over(Window.partitionBy("k").orderBy("id"))))).isFalse();
    assertThat(Plans.narrow(rows.dropDuplicates("k"))).isFalse();
  }

  @Test
  void anObservationCountsEveryRowOnlyWhenNothingMayStopTheReadEarly() {
    Dataset<Row> observed = rows.observe("in", count(lit(1)));
    assertThat(Plans.observesEveryRow(observed.withColumn("x", lit(1)), "in")).isTrue();
    assertThat(Plans.observesEveryRow(observed.groupBy("k").count(), "in")).isTrue();
    assertThat(Plans.observesEveryRow(observed.limit(10), "in")).isFalse();
    assertThat(Plans.observesEveryRow(observed.sample(0.5), "in")).isFalse();
    assertThat(Plans.observesEveryRow(observed.join(rows.select(col("k").as("k2")), col("k").equalTo(col("k2"))), "in")).isFalse();
    // Read twice (a self-join): each read counts, so neither count is the input's.
    assertThat(Plans.observesEveryRow(observed.union(observed), "in")).isFalse();
    assertThat(Plans.observesEveryRow(rows, "in")).isFalse();
  }
}

package dev.strata.transforms.customers;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import java.sql.Date;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * gold {@code customer_metrics}: per customer, as of the partition's day, from every order placed
 * up to and including it (the table reads {@code stg_orders} with {@code reads: {stg_orders: all}}).
 *
 * <ul>
 *   <li>{@code total_revenue}, {@code avg_order_value} (rounded to cents), {@code order_count};
 *   <li>{@code first_order_date}, {@code last_order_date};
 *   <li>{@code days_since_last_order}: from the last order to the day;
 *   <li>{@code customer_lifetime_days}: from the first order to the last, both counted;
 *   <li>{@code estimated_clv}: {@code avg_order_value * order_count * customer_lifetime_days / 365 * 2},
 *       rounded to cents: the architecture article's simplified lifetime value, projected twice
 *       the observed lifetime.
 * </ul>
 */
public final class CustomerMetrics implements TableTransform {
  public static final String INPUT = "stg_orders";
  /** The projection factor of the lifetime value. */
  static final int PROJECTION = 2;

  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    Date day = Date.valueOf(inputs.partition().date());
    Dataset<Row> orders = inputs.get(INPUT).where(col("order_date").leq(lit(day)));
    Dataset<Row> perCustomer = orders.groupBy("customer_id").agg(
        sum("total_amount").cast(DataTypes.createDecimalType(18, 2)).as("total_revenue"),
        round(avg("total_amount"), 2).cast(DataTypes.createDecimalType(18, 2)).as("avg_order_value"),
        count(lit(1)).as("order_count"),
        min("order_date").as("first_order_date"),
        max("order_date").as("last_order_date"));
    Column lifetime = datediff(col("last_order_date"), col("first_order_date")).plus(1);
    Column clv = col("avg_order_value").multiply(col("order_count")).multiply(col("customer_lifetime_days"))
        .divide(365).multiply(PROJECTION);
    return perCustomer
        .withColumn("days_since_last_order", datediff(lit(day), col("last_order_date")))
        .withColumn("customer_lifetime_days", lifetime)
        .withColumn("estimated_clv", round(clv, 2).cast(DataTypes.createDecimalType(18, 2)))
        .withColumn("as_of_date", lit(day))
        .select("customer_id", "total_revenue", "avg_order_value", "order_count", "first_order_date", "last_order_date",
            "days_since_last_order", "customer_lifetime_days", "estimated_clv", "as_of_date");
  }
}

package dev.strata.transforms.customers;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import java.sql.Date;
import java.sql.Timestamp;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * gold {@code at_risk_customers}: the customers who, in the 30 days up to the end of the partition's
 * day, opened at least {@value #TICKETS} support tickets or at least {@value #HIGH_PRIORITY} of high
 * priority (the table reads {@code stg_tickets} with {@code reads: {stg_tickets: 30d}}), with how many and
 * why, for proactive outreach. A ticket counts once however often it arrived.
 */
public final class AtRiskCustomers implements TableTransform {
  public static final String INPUT = "stg_tickets";
  static final int TICKETS = 3;
  static final int HIGH_PRIORITY = 2;
  static final int DAYS = 30;

  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    java.time.LocalDate day = inputs.partition().date();
    Timestamp from = Timestamp.valueOf(day.minusDays(DAYS - 1).atStartOfDay());
    Timestamp to = Timestamp.valueOf(day.plusDays(1).atStartOfDay());
    Dataset<Row> recent = inputs.get(INPUT).where(col("created_at").geq(lit(from)).and(col("created_at").lt(lit(to))));
    return recent.groupBy("customer_id")
        // Tickets, not rows: a ticket that reached the pipeline twice (Kafka delivers at least once,
        // and a copy re-sent later lands in another hour than the first) counts once.
        .agg(count_distinct(col("ticket_id")).as("tickets_30d"),
            count_distinct(when(col("priority").equalTo("high"), col("ticket_id"))).as("high_priority_30d"))
        .where(col("tickets_30d").geq(TICKETS).or(col("high_priority_30d").geq(HIGH_PRIORITY)))
        .withColumn("reason", concat(col("tickets_30d").cast("string"), lit(" tickets in 30 days, "),
            col("high_priority_30d").cast("string"), lit(" high priority")))
        .withColumn("as_of_date", lit(Date.valueOf(day)))
        .select("customer_id", "tickets_30d", "high_priority_30d", "reason", "as_of_date");
  }
}

package dev.strata.jobs.openlineage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.openlineage.SqlColumnLineage.Origin;
import dev.strata.testing.SparkTestSession;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Column lineage read off a query's analyzed plan: projections, joins, aggregates, windows, unions, literals. */
class SqlColumnLineageTest {
  private static final Map<String, StructType> INPUTS = Map.of(
      "orders", StructType.fromDDL("order_id STRING, customer_id STRING, amount DECIMAL(18,2), order_date DATE"),
      "Customers", StructType.fromDDL("customer_id STRING, name STRING, segment STRING"));

  @Test
  void eachOutputColumnComesFromTheInputColumnsItIsComputedFrom() {
    Map<String, Set<Origin>> lineage = SqlColumnLineage.of(SparkTestSession.get(), """
        WITH daily AS (
          SELECT o.customer_id, c.segment, sum(o.amount) AS revenue, count(*) AS orders, o.order_date
          FROM orders o JOIN customers c ON o.customer_id = c.customer_id
          GROUP BY o.customer_id, c.segment, o.order_date)
        SELECT customer_id, upper(segment) AS segment, revenue,
               rank() OVER (PARTITION BY order_date ORDER BY revenue DESC) AS place,
               'web' AS channel, order_date
        FROM daily
        UNION ALL
        SELECT customer_id, name, 0, 0, 'shop', DATE'2024-01-01' FROM customers
        """, INPUTS);
    assertThat(lineage.keySet()).containsExactly("customer_id", "segment", "revenue", "place", "channel", "order_date");
    assertThat(lineage.get("customer_id")).containsExactlyInAnyOrder(new Origin("orders", "customer_id"), new Origin("Customers", "customer_id"));
    assertThat(lineage.get("segment")).containsExactlyInAnyOrder(new Origin("Customers", "segment"), new Origin("Customers", "name"));
    assertThat(lineage.get("revenue")).containsExactly(new Origin("orders", "amount"));
    assertThat(lineage.get("place")).containsExactlyInAnyOrder(new Origin("orders", "order_date"), new Origin("orders", "amount"));
    assertThat(lineage.get("channel")).isEmpty();
    assertThat(lineage.get("order_date")).containsExactly(new Origin("orders", "order_date"));
  }
}

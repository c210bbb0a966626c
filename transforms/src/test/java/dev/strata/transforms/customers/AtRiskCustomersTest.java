package dev.strata.transforms.customers;

import static dev.strata.testing.SparkTestSession.row;
import static dev.strata.testing.SparkTestSession.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.TransformInputs;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Customers at risk as of a day: three tickets in the 30 days through it, or two of high priority;
 * a ticket counts once however often it arrived (a copy landed in another hour), and tickets of
 * other days than the window's do not count.
 */
class AtRiskCustomersTest {
  private static final LocalDate DAY = LocalDate.of(2024, 3, 31);

  @Test
  void countsEachTicketOnceWithinTheThirtyDaysThroughTheDay() {
    Dataset<Row> tickets = rows("ticket_id STRING, customer_id STRING, created_at TIMESTAMP, priority STRING",
        // C1: two tickets, one of them delivered twice (two rows): not at risk.
        row("T1", "C1", ts("2024-03-30 10:00:00"), "low"), row("T1", "C1", ts("2024-03-30 10:00:00"), "low"),
        row("T2", "C1", ts("2024-03-31 09:00:00"), "medium"),
        // C2: three tickets in the window: at risk.
        row("T3", "C2", ts("2024-03-02 00:00:00"), "low"), row("T4", "C2", ts("2024-03-15 12:00:00"), "low"),
        row("T5", "C2", ts("2024-03-31 23:59:59"), "low"),
        // C3: one high-priority ticket twice, and one before the window: not at risk.
        row("T6", "C3", ts("2024-03-20 08:00:00"), "high"), row("T6", "C3", ts("2024-03-20 08:00:00"), "high"),
        row("T7", "C3", ts("2024-03-01 23:59:59"), "high"),
        // C4: two high-priority tickets: at risk.
        row("T8", "C4", ts("2024-03-10 08:00:00"), "high"), row("T9", "C4", ts("2024-03-11 08:00:00"), "high"));

    List<Row> out = new AtRiskCustomers().apply(TransformInputs.of(AtRiskCustomers.INPUT, tickets, DAY)).orderBy("customer_id").collectAsList();

    assertThat(out).extracting(r -> r.getString(0)).containsExactly("C2", "C4");
    assertThat(out).extracting(r -> r.<String>getAs("reason"))
        .containsExactly("3 tickets in 30 days, 0 high priority", "2 tickets in 30 days, 2 high priority");
  }

  private static java.sql.Timestamp ts(String s) {
    return java.sql.Timestamp.valueOf(s);
  }
}

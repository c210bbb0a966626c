package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.strata.jobs.generate.CustomerAnalyticsGenerator;
import dev.strata.jobs.generate.OrdersDatabase;
import dev.strata.jobs.generate.TicketsTopic;
import dev.strata.jobs.stream.KafkaPull;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.KafkaLocal;
import dev.strata.jobs.testing.PostgresLocal;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The customer-analytics pipeline end to end on generated data, as {@code strata demo
 * customer_analytics} runs it: orders from a database by landing day (some late, a few too late), support
 * tickets from a Kafka topic landed by the hour, marketing events without a date, an unpartitioned campaign list; a next landing day
 * absorbed, a broken redelivery blocked, the corrected one published. Each customer's metrics and
 * lifetime value, and the customers at risk, are checked against a computation of their own from
 * the orders in the shop's database (a real PostgreSQL, {@link PostgresLocal}) and the ticket
 * events on the support system's topic (a real Kafka broker, {@link KafkaLocal}).
 */
@IntegrationTest
class CustomerAnalyticsTest {
  private static final LocalDate START = LocalDate.of(2024, 3, 1);
  private static final int DAYS = 1;
  private static final int LOOKBACK = 3;

  @TempDir Path dir;
  private final PostgresLocal pg = PostgresLocal.shared();
  private final KafkaLocal kafka = KafkaLocal.shared();

  private Path wh() {
    return dir.resolve("wh");
  }

  private Dataset<Row> delta(String relative) {
    return SparkTestSession.get().read().format("delta").load(wh().resolve(relative).toUri().toString());
  }

  /** A valid order as the landing files hold it. */
  private record Order(String id, String customer, LocalDate placed, BigDecimal amount) {}

  /** The orders as the shop's database holds them: the day each reached it, then its fields as the generator wrote them. */
  private List<String[]> landedOrders() {
    return pg.rows("SELECT loaded_at::date, order_id, coalesce(customer_id, ''), to_char(order_date, 'YYYY-MM-DD HH24:MI:SS'),"
        + " total_amount, status FROM " + OrdersDatabase.TABLE).stream().map(r -> r.split("\\|", -1)).toList();
  }

  /** Every order the pipeline may publish, from the database: not cancelled, with a customer and a non-negative amount, within the lookback; one per id. */
  private Map<String, Order> validOrders() {
    Map<String, Order> orders = new HashMap<>();
    for (String[] v : landedOrders()) {
      LocalDate landed = LocalDate.parse(v[0]);
      LocalDate placed = LocalDate.parse(v[3].substring(0, 10));
      BigDecimal amount = new BigDecimal(v[4]);
      boolean valid = !v[5].equals("cancelled") && !v[2].isEmpty() && amount.signum() >= 0 && !placed.isAfter(landed)
          && !placed.isBefore(landed.minusDays(LOOKBACK));
      if (valid) {
        orders.put(v[1], new Order(v[1], v[2], placed, amount));
      }
    }
    return orders;
  }

  /** The metrics of each customer as of {@code day}, computed here: [revenue, avg, count, first, last, since, lifetime, clv]. */
  private static Map<String, List<Object>> expectedMetrics(Map<String, Order> orders, LocalDate day) {
    Map<String, List<Order>> byCustomer = new TreeMap<>();
    orders.values().stream().filter(o -> !o.placed().isAfter(day))
        .forEach(o -> byCustomer.computeIfAbsent(o.customer(), c -> new java.util.ArrayList<>()).add(o));
    Map<String, List<Object>> out = new TreeMap<>();
    byCustomer.forEach((c, list) -> {
      BigDecimal revenue = list.stream().map(Order::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
      BigDecimal avg = revenue.divide(BigDecimal.valueOf(list.size()), 2, RoundingMode.HALF_UP);
      LocalDate first = list.stream().map(Order::placed).min(LocalDate::compareTo).orElseThrow();
      LocalDate last = list.stream().map(Order::placed).max(LocalDate::compareTo).orElseThrow();
      long lifetime = ChronoUnit.DAYS.between(first, last) + 1;
      double clv = avg.doubleValue() * list.size() * lifetime / 365.0 * 2;
      out.put(c, List.of(revenue, avg, (long) list.size(), first, last, ChronoUnit.DAYS.between(last, day), lifetime, clv));
    });
    return out;
  }

  private Map<String, List<Object>> actualMetrics(LocalDate day) {
    Map<String, List<Object>> out = new TreeMap<>();
    for (Row r : delta("gold/customer_metrics").where("as_of_date = DATE'" + day + "'").collectAsList()) {
      out.put(r.getAs("customer_id"), List.of(r.<BigDecimal>getAs("total_revenue"), r.<BigDecimal>getAs("avg_order_value"),
          r.<Long>getAs("order_count"), r.<java.sql.Date>getAs("first_order_date").toLocalDate(),
          r.<java.sql.Date>getAs("last_order_date").toLocalDate(), (long) r.<Integer>getAs("days_since_last_order"),
          (long) r.<Integer>getAs("customer_lifetime_days"), r.<BigDecimal>getAs("estimated_clv").doubleValue()));
    }
    return out;
  }

  private void assertMetricsAsOf(LocalDate day) throws IOException {
    Map<String, List<Object>> expected = expectedMetrics(validOrders(), day);
    Map<String, List<Object>> actual = actualMetrics(day);
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach((customer, e) -> {
      List<Object> a = actual.get(customer);
      assertThat(a.subList(0, 7)).as(customer + " as of " + day).isEqualTo(e.subList(0, 7));
      // The lifetime value is rounded to cents by Spark's decimal arithmetic: equal to the cent.
      assertThat((Double) a.get(7)).as(customer + " CLV").isCloseTo((Double) e.get(7), within(0.011));
    });
  }

  /**
   * Customers with 3+ tickets or 2+ high-priority ones in the 30 days through {@code day}, from
   * the ticket events on the topic (each ticket once, however often it was sent).
   */
  private Map<String, String> expectedAtRisk(LocalDate day) {
    Map<String, int[]> counts = new TreeMap<>();
    Pattern ticket = Pattern.compile("\"ticket_id\":\"([^\"]+)\",\"customer_id\":\"([^\"]+)\",\"created_date\":\"([^\"]+)\".*\"priority\":\"([^\"]+)\"");
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (var record : kafka.readAll(TicketsTopic.TOPIC)) {
      Matcher m = ticket.matcher(record.value());
      assertThat(m.find()).as(record.value()).isTrue();
      LocalDate created = LocalDate.parse(m.group(3).substring(0, 10));
      if (seen.add(m.group(1)) && !created.isAfter(day) && created.isAfter(day.minusDays(30))) {
        int[] c = counts.computeIfAbsent(m.group(2), x -> new int[2]);
        c[0]++;
        c[1] += m.group(4).equals("high") ? 1 : 0;
      }
    }
    Map<String, String> out = new TreeMap<>();
    counts.forEach((c, n) -> {
      if (n[0] >= 3 || n[1] >= 2) {
        out.put(c, n[0] + " tickets in 30 days, " + n[1] + " high priority");
      }
    });
    return out;
  }

  private Map<String, String> actualAtRisk(LocalDate day) {
    Map<String, String> out = new TreeMap<>();
    delta("gold/at_risk_customers").where("as_of_date = DATE'" + day + "'").collectAsList()
        .forEach(r -> out.put(r.getAs("customer_id"), r.getAs("reason")));
    return out;
  }

  @Test
  void theDemoAbsorbsLateOrdersBlocksABrokenDeliveryAndEveryValueMatchesAnIndependentComputation() throws IOException {
    // The demo generates the first day, runs what landed (incrementally, as a new user's first
    // run would), lands the next day's orders (some placed days before), delivers them again
    // broken, then corrected: every run in it is incremental.
    // Its orders come from the shop's database: the test's own server, named by an --env-file.
    // Its support tickets are events on a topic of the test's own Kafka broker, named in the same file.
    Path env = pg.envFile(dir);
    Files.writeString(env, "export " + KafkaPull.BOOTSTRAP_ENV + "=" + kafka.bootstrap() + "\n", java.nio.file.StandardOpenOption.APPEND);
    Cli.Outcome demo = Cli.run("demo", "customer_analytics", "--warehouse", wh().toString(), "--rows", "200", "--customers", "40",
        "--days", String.valueOf(DAYS), "--env-file", env.toString());

    assertThat(demo.exit()).as(demo.toString()).isZero();
    LocalDate last = START.plusDays(DAYS - 1);
    LocalDate next = last.plusDays(1);
    String out = demo.out();
    String lateStep = out.substring(out.indexOf("== 3. Late data"), out.indexOf("== 4. A broken delivery"));
    String brokenStep = out.substring(out.indexOf("== 4. A broken delivery"), out.indexOf("== 5. "));
    // 20 in 200 orders were placed 1 to 3 days before they landed, 1 five days before.
    assertThat(lateStep).contains("the orders of " + next + " land; 20 of them were placed 1 to 3 days before, 1 five days before");
    // The landing day rebuilds exactly the order days its rows touch and their metrics, once each;
    // the hourly tickets and what reads them are not out of date.
    for (int back = 0; back <= LOOKBACK; back++) {
      assertThat(lateStep).containsOnlyOnce(next.minusDays(back) + "  silver  stg_orders ")
          .containsOnlyOnce(next.minusDays(back) + "  gold    customer_metrics ");
    }
    assertThat(lateStep).doesNotContain(next.minusDays(LOOKBACK + 1) + "  silver  stg_orders ")
        .doesNotContain("stg_tickets").doesNotContain("at_risk_customers")
        .contains("1 quarantined (late: beyond lookback of 3d), none dropped");
    // Each rebuilt order day says how many of its rows landed late, counted here from the files.
    for (int back = 1; back <= LOOKBACK; back++) {
      LocalDate day = next.minusDays(back);
      assertThat(lateStep).containsPattern(day + "  PUBLISHED +[\\d,]+ rows published  " + lateRows(day) + " rows? landed after " + day);
    }
    assertThat(brokenStep).containsPattern(next + "  silver  stg_orders +BLOCKED")
        .contains("e.g. order_id=" + CustomerAnalyticsGenerator.orderId(next, 40) + ", status=refunded");
    assertThat(out)
        .contains("Broken delivery: stg_orders " + next + " blocked by its gate, customer_metrics " + next + " not built (exit 3)")
        .containsPattern("stg_orders and customer_metrics for " + next + " after the broken delivery: unchanged \\(stg_orders [\\d,]+ rows")
        .contains("Corrected load: stg_orders and customer_metrics for " + next + " published (exit 0)")
        .contains("Demo finished: everything behaved as designed.");

    // The customers at risk were delivered to the database as published, and to the alerts topic:
    // each published row once, as a JSON message keyed by the customer.
    assertThat(pg.rows("SELECT customer_id FROM at_risk_customers WHERE as_of_date = DATE '" + last + "' ORDER BY 1"))
        .containsExactlyElementsOf(actualAtRisk(last).keySet());
    Map<String, String> alerted = new TreeMap<>();
    for (var record : kafka.readAll(TicketsTopic.ALERTS)) {
      if (record.value().contains("\"as_of_date\":\"" + last + "\"")) {
        assertThat(alerted.put(record.key(), record.value())).as("alerts for " + record.key() + " on " + last).isNull();
        assertThat(record.value()).contains("\"customer_id\":\"" + record.key() + "\"");
      }
    }
    assertThat(alerted.keySet()).isEqualTo(actualAtRisk(last).keySet());
    assertThat(out).containsPattern("What the customer_alerts topic received: " + alerted.size() + " events? for " + alerted.size()
        + " customers? at risk");
    // What the demo left equals what an independent computation from the database and the landing files says.
    for (LocalDate day = next.minusDays(LOOKBACK); !day.isAfter(next); day = day.plusDays(1)) {
      assertMetricsAsOf(day);
    }
    // Two high-priority tickets a day put a customer at risk.
    assertThat(actualAtRisk(last)).isNotEmpty().isEqualTo(expectedAtRisk(last));
    // Orders placed more than 3 days before they landed are quarantined, never dropped: 1 in 200 a landing day.
    long beyond = delta("_quarantine/stg_orders").where("array_contains(_strata_failed_rules, 'late: beyond lookback of 3d')").count();
    assertThat(beyond).isEqualTo(DAYS + 1);
    assertThat(delta("silver/dim_campaigns").count()).isEqualTo(5);
    assertThat(delta("_quarantine/stg_marketing_events").count()).isEqualTo(DAYS); // 1 in 100 of 100 events a day
  }

  /** Orders placed on {@code day} that reached the database after it, within the lookback. */
  private long lateRows(LocalDate day) {
    return landedOrders().stream().filter(v -> {
      LocalDate landed = LocalDate.parse(v[0]);
      return landed.isAfter(day) && LocalDate.parse(v[3].substring(0, 10)).equals(day) && !landed.isAfter(day.plusDays(LOOKBACK));
    }).count();
  }
}

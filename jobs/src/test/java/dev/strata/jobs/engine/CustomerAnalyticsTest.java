package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.strata.jobs.testing.Cli;
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
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The customer-analytics pipeline end to end on generated data: orders by landing day (some late,
 * a few too late), hourly support tickets, marketing events without a date, an unpartitioned
 * campaign list. Each customer's metrics and lifetime value, and the customers at risk, are
 * checked against a computation of their own from the landing files.
 */
@IntegrationTest
class CustomerAnalyticsTest {
  private static final LocalDate START = LocalDate.of(2024, 3, 1);
  private static final int DAYS = 1;
  private static final int LOOKBACK = 3;

  @TempDir Path dir;

  private Path wh() {
    return dir.resolve("wh");
  }

  private Dataset<Row> delta(String relative) {
    return SparkTestSession.get().read().format("delta").load(wh().resolve(relative).toUri().toString());
  }

  /** A valid order as the landing files hold it. */
  private record Order(String id, String customer, LocalDate placed, BigDecimal amount) {}

  /** Every order the pipeline may publish, from the landing CSVs: not cancelled, with a customer and a non-negative amount, within the lookback; one per id. */
  private Map<String, Order> validOrders() throws IOException {
    Map<String, Order> orders = new HashMap<>();
    try (Stream<Path> files = Files.walk(wh().resolve("landing/orders"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".csv")).toList()) {
        LocalDate landed = LocalDate.parse(f.getParent().getFileName().toString());
        for (String line : Files.readAllLines(f).subList(1, Files.readAllLines(f).size())) {
          String[] v = line.split(",", -1);
          LocalDate placed = LocalDate.parse(v[2].substring(0, 10));
          BigDecimal amount = new BigDecimal(v[3]);
          boolean valid = !v[4].equals("cancelled") && !v[1].isEmpty() && amount.signum() >= 0 && !placed.isAfter(landed)
              && !placed.isBefore(landed.minusDays(LOOKBACK));
          if (valid) {
            orders.put(v[0], new Order(v[0], v[1], placed, amount));
          }
        }
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

  /** Customers with 3+ tickets or 2+ high-priority ones in the 30 days through {@code day}, from the ticket files. */
  private Map<String, String> expectedAtRisk(LocalDate day) throws IOException {
    Map<String, int[]> counts = new TreeMap<>();
    Pattern ticket = Pattern.compile("\"customer_id\":\"([^\"]+)\",\"created_date\":\"([^\"]+)\".*\"priority\":\"([^\"]+)\"");
    try (Stream<Path> files = Files.walk(wh().resolve("landing/support_tickets"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        for (String line : Files.readAllLines(f)) {
          Matcher m = ticket.matcher(line);
          if (m.find()) {
            LocalDate created = LocalDate.parse(m.group(2).substring(0, 10));
            if (!created.isAfter(day) && created.isAfter(day.minusDays(30))) {
              int[] c = counts.computeIfAbsent(m.group(1), x -> new int[2]);
              c[0]++;
              c[1] += m.group(3).equals("high") ? 1 : 0;
            }
          }
        }
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
  void generatedDaysFlowToLifetimeValueAndCustomersAtRiskAndALateDayIsAbsorbed() throws IOException {
    Cli.Outcome generated = Cli.run("generate", "--pipeline", "customer_analytics", "--days", String.valueOf(DAYS), "--rows", "200",
        "--customers", "40", "--start", START.toString(), "--warehouse", wh().toString());
    assertThat(generated.exit()).as(generated.toString()).isZero();

    LocalDate last = START.plusDays(DAYS - 1);
    // The first run finds what landed by itself, as a new user's would.
    Cli.Outcome run = Cli.run("run", "customer_analytics", "--warehouse", wh().toString());

    assertThat(run.exit()).as(run.toString()).isZero();
    assertMetricsAsOf(last);
    assertMetricsAsOf(last.minusDays(1));
    // Two high-priority tickets a day put a customer at risk.
    assertThat(actualAtRisk(last)).isNotEmpty().isEqualTo(expectedAtRisk(last));
    // Orders placed more than 3 days before they landed are quarantined, never dropped.
    long beyond = delta("_quarantine/stg_orders").where("array_contains(_strata_failed_rules, 'late: beyond lookback of 3d')").count();
    assertThat(beyond).isEqualTo(DAYS); // 1 in 200 orders a day
    assertThat(delta("silver/dim_campaigns").count()).isEqualTo(5);
    assertThat(delta("_quarantine/stg_marketing_events").count()).isEqualTo(DAYS); // 1 in 100 of 100 events a day

    // The next day lands; an incremental run absorbs its late orders: the order days they touch and
    // the metrics from the oldest of them on are rebuilt, once each.
    // (Only its orders: the other sources would add 48 hourly builds that prove nothing more here.)
    Path next = dir.resolve("next");
    Cli.Outcome more = Cli.run("generate", "--pipeline", "customer_analytics", "--days", "1", "--rows", "200", "--customers", "40",
        "--start", last.plusDays(1).toString(), "--out", next.toString(), "--warehouse", wh().toString());
    assertThat(more.exit()).as(more.toString()).isZero();
    Path orders = wh().resolve("landing/orders/" + last.plusDays(1));
    Files.createDirectories(orders);
    Files.copy(next.resolve("orders/" + last.plusDays(1) + "/orders.csv"), orders.resolve("orders.csv"));
    Cli.Outcome absorbed = Cli.run("run", "customer_analytics", "--warehouse", wh().toString());

    assertThat(absorbed.exit()).as(absorbed.toString()).isZero();
    LocalDate newest = last.plusDays(1);
    for (int back = 0; back <= LOOKBACK; back++) {
      assertThat(absorbed.out()).contains(newest.minusDays(back) + "  silver  stg_orders ");
      assertThat(absorbed.out()).contains(newest.minusDays(back) + "  gold    customer_metrics ");
    }
    assertThat(absorbed.out()).doesNotContain(newest.minusDays(LOOKBACK + 1) + "  silver  stg_orders ")
        .doesNotContain("stg_tickets").doesNotContain("at_risk_customers");
    assertMetricsAsOf(newest);
    assertMetricsAsOf(newest.minusDays(1));
  }
}

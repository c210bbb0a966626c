package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Orders land by day but belong to the day they were placed, some landing up to three days later
 * and a few later still. Each order day is published from every landing day that may hold its
 * rows; a row beyond the lookback, without an order day, or dated after the day it landed is
 * quarantined, never dropped; a new landing day rebuilds exactly the order days its rows touch,
 * and the mart downstream of them, once each.
 */
@IntegrationTest
class LateDataTest {
  private static final LocalDate FIRST = LocalDate.of(2024, 5, 1);
  private static final int LOOKBACK = 3;

  @TempDir Path dir;

  /** One landed order: the day it landed, and the day it was placed (null: none written). */
  private record Order(String id, LocalDate landed, LocalDate placed) {}

  private Path warehouse() {
    return dir.resolve("warehouse");
  }

  private Path pipeline() {
    return TinyPipeline.define(dir, "late", """
        pipeline: late
        sources:
          order_files:
            path: landing/orders/{date}
            partition: path
            schema:
              order_id: string
              order_date: string
              amount: string
        tables:
          orders_raw:
            layer: bronze
            inputs: [order_files]
            sql: orders_raw.sql
          orders:
            layer: silver
            inputs: [orders_raw]
            partition_column: order_date
            event_time:
              expression: CAST(order_date AS DATE)
              lookback: 3d
            max_quarantine_ratio: 1
            sql: orders.sql
          daily_revenue:
            layer: gold
            inputs: [orders]
            rows_from: aggregate
            partition_column: order_date
            sql: daily_revenue.sql
        """,
        "orders_raw.sql", "SELECT * FROM order_files",
        "orders.sql", "SELECT order_id, CAST(order_date AS DATE) AS order_date, CAST(amount AS DECIMAL(10,2)) AS amount FROM orders_raw",
        "daily_revenue.sql", "SELECT order_date, count(*) AS orders, sum(amount) AS revenue FROM orders GROUP BY order_date");
  }

  /**
   * A landing day's orders: 4 placed that day, 3 the day before, 2 and 1 two and three days
   * before (within the lookback), 1 five days before (beyond it), 1 without a day and 1 dated
   * the next day.
   */
  private static List<Order> landing(LocalDate landed) {
    List<Order> orders = new ArrayList<>();
    int[][] byAge = {{0, 4}, {1, 3}, {2, 2}, {3, 1}, {5, 1}, {-1, 1}};
    for (int[] age : byAge) {
      for (int i = 0; i < age[1]; i++) {
        orders.add(new Order(landed + "-" + age[0] + "-" + i, landed, landed.minusDays(age[0])));
      }
    }
    orders.add(new Order(landed + "-none", landed, null));
    return orders;
  }

  private void land(List<Order> orders) throws IOException {
    LocalDate landed = orders.get(0).landed();
    Path folder = warehouse().resolve("landing/orders/" + landed);
    Files.createDirectories(folder);
    StringBuilder csv = new StringBuilder("order_id,order_date,amount\n");
    for (Order o : orders) {
      csv.append(o.id()).append(',').append(o.placed() == null ? "" : o.placed().toString()).append(",1.50\n");
    }
    Files.writeString(folder.resolve("orders.csv"), csv);
  }

  /** The rows each order day publishes, computed from what landed: placed that day, landed within the lookback. */
  private static Map<String, Long> published(List<Order> landed) {
    Map<String, Long> out = new TreeMap<>();
    for (Order o : landed) {
      if (o.placed() != null && !o.placed().isAfter(o.landed()) && !o.placed().isBefore(o.landed().minusDays(LOOKBACK))) {
        out.merge(o.placed().toString(), 1L, Long::sum);
      }
    }
    return out;
  }

  /** The rows each partition of the quarantine holds, by reason: late ones in the oldest day their landing day reaches, others in it. */
  private static Map<String, Long> quarantined(List<Order> landed) {
    Map<String, Long> out = new TreeMap<>();
    for (Order o : landed) {
      if (o.placed() == null) {
        out.merge(o.landed() + " no event time: CAST(order_date AS DATE) is null", 1L, Long::sum);
      } else if (o.placed().isAfter(o.landed())) {
        out.merge(o.landed() + " early: its event time is after the day it landed in", 1L, Long::sum);
      } else if (o.placed().isBefore(o.landed().minusDays(LOOKBACK))) {
        out.merge(o.landed().minusDays(LOOKBACK) + " late: beyond lookback of 3d", 1L, Long::sum);
      }
    }
    return out;
  }

  /**
   * What the build of an order day says of its rows that landed after it, computed from what
   * landed: {@code 6 rows landed after 2024-05-03: 2024-05-04 (3), 2024-05-05 (2), 2024-05-06 (1)}.
   */
  private static String lateNote(List<Order> landed, LocalDate day) {
    Map<LocalDate, Long> byLanding = new TreeMap<>();
    for (Order o : landed) {
      if (day.equals(o.placed()) && o.landed().isAfter(day) && !o.placed().isBefore(o.landed().minusDays(LOOKBACK))) {
        byLanding.merge(o.landed(), 1L, Long::sum);
      }
    }
    long total = byLanding.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder s = new StringBuilder(total + " row" + (total == 1 ? "" : "s") + " landed after " + day + ": ");
    byLanding.forEach((l, n) -> s.append(s.charAt(s.length() - 2) == ':' ? "" : ", ").append(l).append(" (").append(n).append(')'));
    return s.toString();
  }

  /** The message the ledger has for a run's build of a table partition. */
  private String message(String runId, String table, LocalDate partition) {
    return new Ledger(SparkTestSession.get(), Warehouse.at(warehouse().toString()))
        .read("builds").orElseThrow().where("run_id = '" + runId + "' AND table = '" + table + "' AND partition = '" + partition + "'")
        .select("message").as(org.apache.spark.sql.Encoders.STRING()).collectAsList().get(0);
  }

  private Dataset<Row> delta(String relative) {
    return SparkTestSession.get().read().format("delta").load(warehouse().resolve(relative).toUri().toString());
  }

  private Map<String, Long> rowsByDay(String relative) {
    Map<String, Long> out = new TreeMap<>();
    for (Row r : delta(relative).groupBy("order_date").count().collectAsList()) {
      out.put(r.get(0).toString(), r.getLong(1));
    }
    return out;
  }

  private Map<String, Long> quarantineByDayAndReason() {
    Map<String, Long> out = new TreeMap<>();
    for (Row r : delta("_quarantine/orders").selectExpr("CAST(order_date AS STRING) AS d", "explode(_strata_failed_rules) AS reason")
        .groupBy("d", "reason").count().collectAsList()) {
      out.put(r.getString(0) + " " + r.getString(1), r.getLong(2));
    }
    return out;
  }

  /** The partitions a run built of a table, each as often as it was built. */
  private List<String> builtBy(String runId, String table) {
    return new Ledger(SparkTestSession.get(), Warehouse.at(warehouse().toString()))
        .read("builds").orElseThrow().where("run_id = '" + runId + "' AND table = '" + table + "'").orderBy("partition")
        .select("partition").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }

  private static String runId(Cli.Outcome outcome) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("Run (\\S+): pipeline").matcher(outcome.out());
    assertThat(m.find()).as(outcome.toString()).isTrue();
    return m.group(1);
  }

  @Test
  void lateRowsRebuildTheirDaysWithinTheLookbackAndAreQuarantinedBeyondIt() throws IOException {
    Path pipeline = pipeline();
    List<Order> all = new ArrayList<>();
    for (int d = 0; d < 5; d++) {
      List<Order> day = landing(FIRST.plusDays(d));
      land(day);
      all.addAll(day);
    }

    Cli.Outcome first = Cli.run("run", pipeline.toString(), "--from", FIRST.toString(), "--to", FIRST.plusDays(4).toString(),
        "--warehouse", warehouse().toString());

    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(rowsByDay("silver/orders")).isEqualTo(published(all));
    assertThat(quarantineByDayAndReason()).isEqualTo(quarantined(all));
    long landedRows = delta("bronze/orders_raw").count();
    assertThat(landedRows).isEqualTo(all.size());
    // Nothing disappears: every landed row is published once or quarantined once.
    assertThat(delta("silver/orders").count() + delta("_quarantine/orders").count()).isEqualTo(landedRows);
    assertThat(delta("silver/orders").select("order_id").distinct().count()).isEqualTo(delta("silver/orders").count());
    Map<String, Long> revenue = new TreeMap<>();
    delta("gold/daily_revenue").collectAsList().forEach(r -> revenue.put(r.get(0).toString(), r.getLong(1)));
    assertThat(revenue).isEqualTo(published(all));

    // A sixth day lands: its rows touch its own day and the three before it (the oldest for its
    // late row too); each is rebuilt once, with the mart above it, and nothing else is.
    LocalDate sixth = FIRST.plusDays(5);
    List<Order> day6 = landing(sixth);
    land(day6);
    all.addAll(day6);
    Cli.Outcome next = Cli.run("run", pipeline.toString(), "--date", sixth.toString(), "--warehouse", warehouse().toString());

    assertThat(next.exit()).as(next.toString()).isZero();
    String run = runId(next);
    List<String> touched = List.of(sixth.minusDays(3).toString(), sixth.minusDays(2).toString(), sixth.minusDays(1).toString(),
        sixth.toString());
    assertThat(builtBy(run, "orders_raw")).containsExactly(sixth.toString());
    assertThat(builtBy(run, "orders")).containsExactlyElementsOf(touched);
    assertThat(builtBy(run, "daily_revenue")).containsExactlyElementsOf(touched);
    assertThat(rowsByDay("silver/orders")).isEqualTo(published(all));
    assertThat(quarantineByDayAndReason()).isEqualTo(quarantined(all));
    assertThat(delta("silver/orders").count() + delta("_quarantine/orders").count()).isEqualTo(delta("bronze/orders_raw").count());

    // Each rebuilt order day says how many of its rows landed late, and in which landing day;
    // the landing day itself has none.
    for (int back = 1; back <= LOOKBACK; back++) {
      LocalDate day = sixth.minusDays(back);
      assertThat(message(run, "orders", day)).as(day.toString())
          .isEqualTo("late data: rows for " + day + " landed in " + sixth + "; " + lateNote(all, day));
    }
    assertThat(lateNote(all, sixth.minusDays(3))).startsWith("6 rows landed after " + sixth.minusDays(3) + ": ");
    assertThat(next.out()).contains("      late: " + lateNote(all, sixth.minusDays(1)));
    assertThat(message(run, "orders", sixth)).doesNotContain("landed after");

    // Status says which order days late rows rebuilt, where they landed, and how many rows came late.
    Cli.Outcome status = Cli.run("status", pipeline.toString(), "--warehouse", warehouse().toString());
    assertThat(status.out()).contains(sixth.minusDays(2) + "  published").contains("rebuilt by late data: rows for " + sixth.minusDays(2)
        + " landed in " + sixth + " (" + lateNote(all, sixth.minusDays(2)).split(":")[0] + ")");
  }

  @Test
  void aDayWhoseOnlyRowLandedBeyondTheLookbackPublishesNoRowAndQuarantinesItWithoutBlocking() throws IOException {
    // The default quarantine ratio, no allow_empty: what a sparse source declares without thinking of late rows.
    Path p = pipeline();
    Files.writeString(p.resolve("pipeline.yaml"), Files.readString(p.resolve("pipeline.yaml")).replace("    max_quarantine_ratio: 1\n", ""));
    // A landing day with three orders of its own and one placed six days before: that one's home is
    // the oldest day its landing reaches (three days before), which has no order at all.
    LocalDate landed = FIRST.plusDays(10);
    LocalDate home = landed.minusDays(LOOKBACK);
    land(List.of(new Order("a", landed, landed), new Order("b", landed, landed), new Order("c", landed, landed),
        new Order("old", landed, landed.minusDays(6))));

    Cli.Outcome run = Cli.run("run", p.toString(), "--date", landed.toString(), "--warehouse", warehouse().toString());
    assertThat(run.exit()).as(run.toString()).isZero();
    String id = runId(run);
    assertThat(builtBy(id, "orders")).containsExactly(home.toString(), landed.toString());
    assertThat(builtBy(id, "daily_revenue")).containsExactly(home.toString(), landed.toString());
    assertThat(run.out()).containsPattern(home + " +silver +orders +PUBLISHED +0 ")
        .containsPattern(home + " +gold +daily_revenue +PUBLISHED +0 ");
    // Nothing lost: 3 published, 1 quarantined for its lateness, and the ratio of bad rows is not
    // distorted by it (the day's only row was late, not bad).
    assertThat(rowsByDay("silver/orders")).isEqualTo(Map.of(landed.toString(), 3L));
    assertThat(quarantineByDayAndReason()).isEqualTo(Map.of(home + " late: beyond lookback of 3d", 1L));
    String report = Files.readString(Path.of(java.net.URI.create(run.out().replaceAll("(?s).*Quality report: (\\S+).*", "$1"))));
    assertThat(report).contains("the partition had no events; the 1 row that came in landed beyond the lookback and was quarantined")
        .contains("its input had no events for this partition");
  }
}

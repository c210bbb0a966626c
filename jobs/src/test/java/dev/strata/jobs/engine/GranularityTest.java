package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables of every granularity in one pipeline: tickets land by the hour, a daily table counts them,
 * a monthly one sums the days, and an unpartitioned product list is rebuilt whole by every run.
 * Each table builds the partitions of its own granularity that share time with what a run asks
 * for, and waits for the upstream partitions it reads.
 */
@IntegrationTest
class GranularityTest {
  private static final LocalDate MARCH_1 = LocalDate.of(2024, 3, 1);

  @TempDir Path dir;

  private Path warehouse() {
    return dir.resolve("warehouse");
  }

  private Path pipeline() {
    return TinyPipeline.define(dir, "grains", """
        pipeline: grains
        sources:
          tickets:
            path: landing/tickets/{date}/{hour}
            format: json
            partition: path
            schema:
              ticket_id: string
              priority: string
          products:
            path: landing/products
            schema:
              product_id: string
              name: string
        tables:
          tickets_raw:
            layer: bronze
            inputs: [tickets]
            partition_column: as_of_hour
            sql: tickets_raw.sql
          tickets_daily:
            layer: silver
            inputs: [tickets_raw]
            granularity: day
            rows_from: aggregate
            sql: tickets_daily.sql
          tickets_monthly:
            layer: gold
            inputs: [tickets_daily]
            granularity: month
            rows_from: aggregate
            sql: tickets_monthly.sql
          products_raw:
            layer: bronze
            inputs: [products]
            sql: products_raw.sql
          product_dim:
            layer: silver
            inputs: [products_raw]
            key: [product_id]
            removes: a product listed twice is kept once
            sql: product_dim.sql
            rules:
              error:
                - IsUnique "product_id"
        """,
        "tickets_raw.sql", "SELECT * FROM tickets",
        "tickets_daily.sql", "SELECT CAST(as_of_hour AS DATE) AS as_of_date, count(*) AS tickets FROM tickets_raw GROUP BY 1",
        "tickets_monthly.sql", "SELECT trunc(as_of_date, 'MM') AS as_of_date, sum(tickets) AS tickets FROM tickets_daily GROUP BY 1",
        "products_raw.sql", "SELECT * FROM products",
        "product_dim.sql", "SELECT DISTINCT product_id, upper(name) AS name FROM products_raw");
  }

  /** Tickets in hour {@code h}: {@code h % 3 + 1}, plus {@code extra}. */
  private void landTickets(LocalDate day, int hour, int extra, String file) throws IOException {
    Path folder = warehouse().resolve(String.format("landing/tickets/%s/%02d", day, hour));
    Files.createDirectories(folder);
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < hour % 3 + 1 + extra; i++) {
      lines.append(String.format("{\"ticket_id\":\"%s-%02d-%s-%d\",\"priority\":\"%s\"}%n", day, hour, file, i, i % 2 == 0 ? "high" : "low"));
    }
    Files.writeString(folder.resolve(file + ".json"), lines);
  }

  private void landDay(LocalDate day) throws IOException {
    for (int h = 0; h < 24; h++) {
      landTickets(day, h, 0, "tickets");
    }
  }

  private void landProducts(String csv) throws IOException {
    Path folder = warehouse().resolve("landing/products");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("products.csv"), "product_id,name\n" + csv);
  }

  private static long expectedDay() {
    long n = 0;
    for (int h = 0; h < 24; h++) {
      n += h % 3 + 1;
    }
    return n;
  }

  private Dataset<Row> delta(String relative) {
    return SparkTestSession.get().read().format("delta").load(warehouse().resolve(relative).toUri().toString());
  }

  private Map<String, Long> counts(String relative, String partitionColumn, String value) {
    Map<String, Long> out = new TreeMap<>();
    for (Row r : delta(relative).collectAsList()) {
      out.put(r.getAs(partitionColumn).toString(), ((Number) r.getAs(value)).longValue());
    }
    return out;
  }

  private long versions(String relative) {
    return DeltaTable.forPath(SparkTestSession.get(), warehouse().resolve(relative).toString()).history().count();
  }

  @Test
  void hourlyDailyMonthlyAndUnpartitionedTablesEachBuildTheirOwnPartitions() throws IOException {
    Path pipeline = pipeline();
    landDay(MARCH_1);
    landProducts("p1,widget\np2,gadget\np1,widget\n");

    Cli.Outcome day = Cli.run("run", pipeline.toString(), "--date", MARCH_1.toString(), "--warehouse", warehouse().toString());

    assertThat(day.exit()).as(day.toString()).isZero();
    Dataset<Row> hours = delta("bronze/tickets_raw");
    assertThat(hours.schema().apply("as_of_hour").dataType()).isEqualTo(DataTypes.TimestampType);
    assertThat(hours.select("as_of_hour").distinct().count()).isEqualTo(24);
    assertThat(hours.where("as_of_hour = TIMESTAMP'2024-03-01 05:00:00'").count()).isEqualTo(5 % 3 + 1);
    assertThat(counts("silver/tickets_daily", "as_of_date", "tickets")).isEqualTo(Map.of(MARCH_1.toString(), expectedDay()));
    assertThat(counts("gold/tickets_monthly", "as_of_date", "tickets")).isEqualTo(Map.of("2024-03-01", expectedDay()));
    Dataset<Row> products = delta("silver/product_dim");
    assertThat(products.columns()).containsExactly("product_id", "name");
    assertThat(products.orderBy("product_id").collectAsList()).map(Row::toString).containsExactly("[p1,WIDGET]", "[p2,GADGET]");
    assertThat(day.out()).contains("tickets_raw").contains("2024-03-01T05").contains("tickets_monthly").contains("2024-03").contains("all");

    // One hour gets a late file: a run of that hour rebuilds it, its day, its month, and the product list.
    landTickets(MARCH_1, 5, 4, "late");
    landProducts("p1,widget\np2,gadget\np3,bolt\n");
    long productVersions = versions("silver/product_dim");
    Cli.Outcome hour = Cli.run("run", pipeline.toString(), "--date", "2024-03-01T05", "--warehouse", warehouse().toString());

    assertThat(hour.exit()).as(hour.toString()).isZero();
    assertThat(hour.out()).doesNotContain("2024-03-01T06");
    assertThat(delta("bronze/tickets_raw").where("as_of_hour = TIMESTAMP'2024-03-01 05:00:00'").count()).isEqualTo((5 % 3 + 1) + (5 % 3 + 1 + 4));
    assertThat(counts("silver/tickets_daily", "as_of_date", "tickets")).isEqualTo(Map.of(MARCH_1.toString(), expectedDay() + 7));
    assertThat(counts("gold/tickets_monthly", "as_of_date", "tickets")).isEqualTo(Map.of("2024-03-01", expectedDay() + 7));
    assertThat(delta("silver/product_dim").count()).isEqualTo(3);
    // The product list is replaced whole, in one commit per run.
    assertThat(versions("silver/product_dim")).isEqualTo(productVersions + 1);

    // Re-running the same hour changes nothing it holds: one more commit of the same rows.
    Cli.Outcome again = Cli.run("run", pipeline.toString(), "--date", "2024-03-01T05", "--warehouse", warehouse().toString());
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(delta("silver/product_dim").orderBy("product_id").collectAsList()).map(Row::toString)
        .containsExactly("[p1,WIDGET]", "[p2,GADGET]", "[p3,BOLT]");
    assertThat(counts("gold/tickets_monthly", "as_of_date", "tickets")).isEqualTo(Map.of("2024-03-01", expectedDay() + 7));

    // A file landing in another hour, found by an incremental run: that hour, its day, its month.
    landTickets(MARCH_1, 9, 2, "more");
    Cli.Outcome incremental = Cli.run("run", pipeline.toString(), "--warehouse", warehouse().toString());
    assertThat(incremental.exit()).as(incremental.toString()).isZero();
    assertThat(incremental.out()).contains("Incremental run: 3 table partitions are out of date")
        .contains("2024-03-01T09  bronze  tickets_raw").doesNotContain("product_dim");
    long more = 9 % 3 + 1 + 2;
    assertThat(counts("silver/tickets_daily", "as_of_date", "tickets")).isEqualTo(Map.of(MARCH_1.toString(), expectedDay() + 7 + more));
    assertThat(counts("gold/tickets_monthly", "as_of_date", "tickets")).isEqualTo(Map.of("2024-03-01", expectedDay() + 7 + more));

    // A monthly backfill of the month's table alone.
    Cli.Outcome backfill = Cli.run("backfill", pipeline.toString(), "--from", "2024-03", "--to", "2024-03", "--tables", "tickets_monthly",
        "--warehouse", warehouse().toString());
    assertThat(backfill.exit()).as(backfill.toString()).isZero();
    assertThat(backfill.out()).contains("1 table x 1 partition (2024-03) = 1 units");
  }

  @Test
  void aBronzeTableOfAnotherGranularityThanItsSourceIsRejectedWithTheRootCause() {
    Path pipeline = TinyPipeline.define(dir, "mismatch", """
        pipeline: mismatch
        sources:
          hourly:
            path: landing/hourly/{date}/{hour}
            partition: path
            schema:
              id: string
          whole:
            path: landing/whole
            schema:
              id: string
        tables:
          hourly_raw: {layer: bronze, inputs: [hourly], granularity: day, sql: a.sql}
          whole_raw: {layer: bronze, inputs: [whole], granularity: day, sql: b.sql}
        """, "a.sql", "SELECT * FROM hourly", "b.sql", "SELECT * FROM whole");

    Cli.Outcome outcome = Cli.run("validate", pipeline.toString());

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(2);
    String text = outcome.out() + outcome.err();
    assertThat(text)
        .contains("tables.hourly_raw.granularity: hourly_raw is partitioned by day but source 'hourly' lands hour by hour")
        .contains("tables.whole_raw.granularity: source 'whole' has no {date}, {hour} or {month} in its path (landing/whole), so it is"
            + " read whole; whole_raw is partitioned by day: write granularity: none on whole_raw")
        // Root cause only: the partition column the whole source lacks follows from it.
        .doesNotContain("partition column 'as_of_date' is missing");
  }
}

package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data contracts: schema drift (added, removed, type change, nested), a stale source by event time,
 * a volume drop against the baseline of accepted partitions, and the metrics each build records.
 * Each outcome's message, ledger record and webhook alert.
 */
@IntegrationTest
class ContractsTest {
  @TempDir Path dir;
  private HttpServer hook;
  private final List<String> alerts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startWebhook() throws IOException {
    hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext("/hook", exchange -> {
      alerts.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    hook.start();
    Files.writeString(dir.resolve("hook.url"), "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook\n");
  }

  @AfterEach
  void stopWebhook() {
    hook.stop(0);
  }

  private Path wh() {
    return dir.resolve("wh");
  }

  private String alertsYaml() {
    return "alerts:\n  webhooks:\n    - url_file: " + dir.resolve("hook.url") + "\n";
  }

  private Cli.Outcome run(Path pipeline, String day) {
    return Cli.run("run", pipeline.toString(), "--date", day, "--warehouse", wh().toString());
  }

  private Dataset<Row> bronze() {
    return SparkTestSession.get().read().format("delta").load(wh().resolve("bronze/b").toString());
  }

  private void land(String day, String file, String csv) throws IOException {
    Path folder = wh().resolve("landing/raw/" + day);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve(file), csv);
  }

  /** raw (CSV: id, amount, as_of_date) -> b, which keeps every column that arrives. */
  private Path csvPipeline(String drift) {
    return TinyPipeline.define(dir, "drift", """
        pipeline: drift
        sources:
          raw:
            path: landing/raw/{date}
            schema:
              id: string
              amount: string
              as_of_date: string
            %s
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
        %s""".formatted(drift, alertsYaml()), "b.sql", "SELECT * FROM raw");
  }

  @Test
  void csvDriftAnAddedColumnIsCarriedARemovedOneBlocksUntilApproved() throws IOException {
    Path plain = csvPipeline("");
    land(TinyPipeline.DAY, "a.csv", "id,amount,as_of_date\nr1,5,2024-01-01\n");
    land(TinyPipeline.DAY, "b.csv", "id,amount,as_of_date,channel\nr2,7,2024-01-01,web\n");
    Cli.Outcome added = run(plain, TinyPipeline.DAY);
    assertThat(added.exit()).as(added.toString()).isZero();
    assertThat(added.out())
        .contains("! warn SchemaDrift \"raw\" no change:")
        .contains("source 'raw' for 2024-01-01 drifted from its declared schema: added: channel (string) (added columns are carried into bronze)");
    assertThat(bronze().orderBy("id").select("id", "amount", "channel").collectAsList())
        .map(Row::toString).containsExactly("[r1,5,null]", "[r2,7,web]");
    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0)).contains("published with 1 data-contract warning", "added: channel (string)");

    // The producer drops `amount`: the partition keeps its rows, the alert names the column.
    Files.delete(wh().resolve("landing/raw/" + TinyPipeline.DAY + "/b.csv"));
    Files.writeString(wh().resolve("landing/raw/" + TinyPipeline.DAY + "/a.csv"), "id,as_of_date\nr9,2024-01-01\n");
    Cli.Outcome removed = run(plain, TinyPipeline.DAY);
    assertThat(removed.exit()).as(removed.toString()).isEqualTo(3);
    assertThat(removed.out())
        .containsPattern(" b +BLOCKED")
        .contains("x error SchemaDrift \"raw\" no breaking change:")
        .contains("removed: amount (not approved) in a.csv. Fix the producer, or approve the removal under drift.approved_removals");
    assertThat(bronze().select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList()).containsExactlyInAnyOrder("r1", "r2");
    assertThat(alerts).hasSize(2);
    assertThat(alerts.get(1)).contains("left 1 table partition unpublished", "removed: amount (not approved)");
    Ledger ledger = new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString()));
    assertThat(ledger.read("gate_results").orElseThrow()
        .where("rule = 'SchemaDrift \"raw\" no breaking change' and outcome = 'FAILED'").count()).isEqualTo(1);

    // Approved in the definition: bronze gets the column as null, and the report still names it.
    Cli.Outcome approved = run(csvPipeline("drift: {approved_removals: [amount]}"), TinyPipeline.DAY);
    assertThat(approved.exit()).as(approved.toString()).isZero();
    assertThat(approved.out()).contains("removed: amount (approved) in a.csv");
    assertThat(bronze().collectAsList()).hasSize(1);
    assertThat(bronze().where("id = 'r9' and amount is null").count()).isEqualTo(1);
  }

  @Test
  void parquetDriftNestedFieldsAndTypeChangesSafeOnesReadAsDeclaredUnsafeOnesBlock() throws IOException {
    Path p = TinyPipeline.define(dir, "pq", """
        pipeline: pq
        sources:
          raw:
            path: landing/raw/{date}
            format: parquet
            schema:
              id: string
              amount: bigint
              address: struct<city:string,zip:string>
              as_of_date: string
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
        """, "b.sql", "SELECT * FROM raw");
    SparkSession spark = SparkTestSession.get();
    // amount arrives as int (widens safely to bigint); address gained a nested field.
    StructType widened = StructType.fromDDL("id STRING, amount INT, address STRUCT<city: STRING, zip: STRING, country: STRING>, as_of_date STRING");
    spark.createDataFrame(List.of(RowFactory.create("p1", 5, RowFactory.create("Lyon", "69001", "FR"), TinyPipeline.DAY)), widened)
        .write().parquet(wh().resolve("landing/raw/" + TinyPipeline.DAY).toString());
    Cli.Outcome safe = run(p, TinyPipeline.DAY);
    assertThat(safe.exit()).as(safe.toString()).isZero();
    assertThat(safe.out()).contains("added: address.country (string); type changed: amount int -> bigint (safe widening)");
    Row row = bronze().head();
    assertThat(bronze().schema().apply("amount").dataType().simpleString()).isEqualTo("bigint");
    assertThat(row.<Row>getAs("address").<String>getAs("country")).isEqualTo("FR");

    // amount arrives as a string: it cannot be cast safely to bigint.
    StructType text = StructType.fromDDL("id STRING, amount STRING, address STRUCT<city: STRING>, as_of_date STRING");
    spark.createDataFrame(List.of(RowFactory.create("p2", "five", RowFactory.create("Nice"), TinyPipeline.DAY)), text)
        .write().mode("overwrite").parquet(wh().resolve("landing/raw/" + TinyPipeline.DAY).toString());
    Cli.Outcome unsafe = run(p, TinyPipeline.DAY);
    assertThat(unsafe.exit()).as(unsafe.toString()).isEqualTo(3);
    assertThat(unsafe.out())
        .contains("removed: address.zip (not approved)")
        .contains("type changed: amount string -> bigint (cannot be cast safely)")
        .contains("change the declared type if the new one is intended");
    assertThat(bronze().select("id").head().getString(0)).isEqualTo("p1");
  }

  @Test
  void aStaleSourceByEventTimeWarnsThenRefusesAndStatusSaysSo() throws IOException {
    Path p = TinyPipeline.define(dir, "fresh", """
        pipeline: fresh
        sources:
          raw:
            path: landing/raw/{date}
            schema:
              id: string
              updated_at: timestamp
              as_of_date: string
            freshness: {column: updated_at, warn_after: 24h, error_after: 48h}
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
            freshness: {warn_after: 1h}
        %s""".formatted(alertsYaml()), "b.sql", "SELECT * FROM raw");
    Instant now = Instant.now();
    land(TinyPipeline.DAY, "a.csv", "id,updated_at,as_of_date\nr1," + Timestamp.from(now.minus(30, ChronoUnit.HOURS)) + ",2024-01-01\n"
        + "r2," + Timestamp.from(now.minus(40, ChronoUnit.HOURS)) + ",2024-01-01\n");
    Cli.Outcome warned = run(p, TinyPipeline.DAY);
    assertThat(warned.exit()).as(warned.toString()).isZero();
    assertThat(warned.out())
        .containsPattern("! warn Freshness \"raw\" on updated_at <= 1d: source 'raw' is stale: its newest updated_at, .* is 30\\.\\d h old")
        .containsPattern("its newest updated_at, .* in landed partition 2024-01-01, is 30\\.0 h old, above warn_after 1d");
    assertThat(alerts).singleElement().asString().contains("Freshness \\\"raw\\\" on updated_at <= 1d");
    Cli.Outcome status = Cli.run("status", p.toString(), "--warehouse", wh().toString());
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.out())
        .containsPattern("WARN +source raw: source 'raw' is stale: its newest updated_at")
        .containsPattern("OK +table b: latest publish 0\\.0 h old");

    land(TinyPipeline.DAY, "a.csv", "id,updated_at,as_of_date\nr1," + Timestamp.from(now.minus(3, ChronoUnit.DAYS)) + ",2024-01-01\n");
    Cli.Outcome refused = run(p, TinyPipeline.DAY);
    assertThat(refused.exit()).as(refused.toString()).isEqualTo(5);
    assertThat(refused.out())
        .containsPattern(" b +NOT_READY")
        .contains("Cannot build 'b' for 2024-01-01: source 'raw' is stale: its newest updated_at")
        .contains("is 72.0 h old, above error_after 2d");
    Cli.Outcome stale = Cli.run("status", p.toString(), "--warehouse", wh().toString());
    assertThat(stale.exit()).as(stale.toString()).isEqualTo(5);
    assertThat(stale.out()).containsPattern("ERROR +source raw: .* above error_after 2d");
  }

  @Test
  void aVolumeDropBlocksAgainstTheMedianOfAcceptedPartitionsOnlyAndEveryBuildRecordsItsMetrics() throws IOException {
    Path p = TinyPipeline.define(dir, "vol", """
        pipeline: vol
        sources:
          raw:
            path: landing/raw/{date}
            schema:
              id: string
              note: string
              as_of_date: string
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
            key: [id]
            volume: {max_change: 30%%, baseline: 3, min_history: 2, same_weekday: false, level: error}
        %s""".formatted(alertsYaml()), "b.sql", "SELECT * FROM raw");
    Map<String, Integer> days = new java.util.LinkedHashMap<>();
    days.put("2024-01-01", 10);
    days.put("2024-01-02", 10);
    days.put("2024-01-03", 12);
    for (var d : days.entrySet()) {
      landRows(d.getKey(), d.getValue());
      Cli.Outcome o = run(p, d.getKey());
      assertThat(o.exit()).as(o.toString()).isZero();
    }
    // A re-run replaces its partition's value in the baseline: 10 -> 11 for the 2nd.
    landRows("2024-01-02", 11);
    assertThat(run(p, "2024-01-02").exit()).isZero();

    landRows("2024-01-04", 5);
    Cli.Outcome drop = run(p, "2024-01-04");
    assertThat(drop.exit()).as(drop.toString()).isEqualTo(3);
    assertThat(drop.out())
        .containsPattern(" b +BLOCKED")
        .contains("x error Volume within ±30% of the median of the last 3 accepted partitions:")
        .contains("5 rows is -54.5% from the median 11 of the last 3 accepted partitions (12 / 11 / 10) (expected within ±30% of it)");
    assertThat(alerts).singleElement().asString().contains("Volume within ±30%");

    // The blocked day never enters the baseline: the 5th compares with the 3rd, 2nd and 1st.
    landRows("2024-01-05", 9);
    Cli.Outcome next = run(p, "2024-01-05");
    assertThat(next.exit()).as(next.toString()).isZero();

    Ledger ledger = new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString()));
    Dataset<Row> builds = ledger.read("builds").orElseThrow();
    Row first = builds.where("partition = '2024-01-01'").head();
    assertThat(ledger.read("gate_results").orElseThrow().where("partition = '2024-01-01' and rule like 'Volume%'").head().<String>getAs("message"))
        .isEqualTo("no baseline yet: 0 of the 2 accepted partition(s) needed (the last 3 accepted partitions); passes until there are");
    Row fifth = builds.where("partition = '2024-01-05'").head();
    assertThat(fifth.<Long>getAs("rows_in")).isEqualTo(9);
    assertThat(fifth.<Long>getAs("rows_published")).isEqualTo(9);
    assertThat(fifth.<Long>getAs("duration_ms")).isPositive();
    // Rows 1, 4 and 7 of each day have no note; ids repeat every 4 rows.
    assertThat(fifth.<scala.collection.Map<String, Long>>getAs("null_counts").get("note").get()).isEqualTo(3L);
    assertThat(fifth.<scala.collection.Map<String, Long>>getAs("null_counts").get("id").get()).isEqualTo(0L);
    assertThat(fifth.<Long>getAs("duplicate_keys")).isEqualTo(5);
    assertThat(fifth.<Long>getAs("files_written")).isEqualTo(1);
    assertThat(fifth.<Long>getAs("bytes_written")).isPositive();
    assertThat(first.<Long>getAs("files_written")).isEqualTo(1);
  }

  /** {@code n} rows for a day: ids r0..r3 repeating, every third row without a note. */
  private void landRows(String day, int n) throws IOException {
    StringBuilder csv = new StringBuilder("id,note,as_of_date\n");
    for (int i = 0; i < n; i++) {
      csv.append("r").append(i % 4).append(',').append(i % 3 == 0 ? "" : "n" + i).append(',').append(day).append('\n');
    }
    land(day, "rows.csv", csv.toString());
  }
}

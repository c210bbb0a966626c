package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataTestPipeline.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator uses around runs: table selection, status, history, alerts, sensors and source
 * freshness, on a three-table pipeline.
 */
@IntegrationTest
class OperationsTest {
  @TempDir Path dir;

  /** raw -> b (bronze) -> s (silver: upper-cases ids, refuses amounts <= 0) -> g (gold), as pipeline "ops". */
  private StrataTestPipeline pipeline() {
    return StrataTestPipeline.of("three_layer", dir)
        .with("pipeline", "ops")
        .file("s.sql", "SELECT upper(id) AS id, CAST(amount AS INT) AS amount, as_of_date FROM b")
        .with("tables.s.rules", map("error", List.of("ColumnValues \"amount\" > 0")));
  }

  private Path wh() {
    return dir.resolve("wh");
  }

  private Cli.Outcome run(Path p, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("run", p.toString(), "--date", TinyPipeline.DAY, "--warehouse", wh().toString()));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void tablesSelectDownstreamOrUpstreamAndStatusAndHistoryReadTheLedger() {
    Path p = pipeline().definition();
    TinyPipeline.landRaw(wh(), "id,amount,as_of_date\nr1,5,2024-01-01\nr2,7,2024-01-01\n");
    assertThat(run(p).exit()).isZero();

    Cli.Outcome down = run(p, "--tables", "s+");
    assertThat(down.exit()).as(down.toString()).isZero();
    assertThat(down.out()).containsPattern(" s +PUBLISHED").containsPattern(" g +PUBLISHED").doesNotContainPattern(" b +PUBLISHED");
    Cli.Outcome up = run(p, "--tables", "+s");
    assertThat(up.out()).containsPattern(" b +PUBLISHED").containsPattern(" s +PUBLISHED").doesNotContainPattern(" g +PUBLISHED");
    Cli.Outcome unknown = run(p, "--tables", "x+");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("'x' is not one of its tables");

    Cli.Outcome status = Cli.run("status", p.toString(), "--warehouse", wh().toString());
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.out())
        .contains("Pipeline ops, warehouse ")
        .containsPattern("Last run: \\S+ SUCCEEDED")
        .contains("s (silver)\n    last attempt: 2024-01-01 PUBLISHED at ")
        .containsPattern("newest published partition: 2024-01-01, \\d+ days before today")
        .containsPattern("g \\(gold\\)\n(.*\n){2}    2024-01-01  published \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ \\(\\d+s ago\\), v1, 2 rows");

    Cli.Outcome history = Cli.run("history", p.toString(), "--warehouse", wh().toString(), "--table", "g", "--limit", "1");
    assertThat(history.exit()).as(history.toString()).isZero();
    assertThat(history.out())
        .contains("Runs of ops that built g, newest first")
        .containsPattern("\\d{8}T\\d{6}Z-[0-9a-f]{6}  SUCCEEDED \\(exit 0\\)  trigger cli, 2024-01-01")
        .containsPattern("2024-01-01  gold    g +PUBLISHED  attempt 1 +2 rows +v1")
        .doesNotContainPattern(" b +PUBLISHED");
    // --limit 1: the newest run that built g is the s+ run, not the first one.
    assertThat(history.out().split("SUCCEEDED", -1)).hasSize(2);
  }

  private List<Path> dataFiles(Path table) throws IOException {
    try (java.util.stream.Stream<Path> all = Files.walk(table)) {
      return all.filter(f -> f.toString().endsWith(".parquet") && !f.toString().contains("_delta_log")).sorted().toList();
    }
  }

  /**
   * A table without row-level rules writes its new rows into its own folder before the gate: a
   * blocked re-run must leave exactly the published files there, and the rows it checked in
   * staging.
   */
  @Test
  void aBlockedReRunLeavesThePublishedFilesAloneAndTheCheckedRowsInStaging() throws IOException {
    Path p = pipeline().definition();
    TinyPipeline.landRaw(wh(), "id,amount,as_of_date\nr1,5,2024-01-01\n");
    assertThat(run(p).exit()).isZero();
    Path silver = wh().resolve("silver/s");
    List<Path> published = dataFiles(silver);
    assertThat(published).isNotEmpty();

    TinyPipeline.landRaw(wh(), "id,amount,as_of_date\nr1,5,2024-01-01\nr2,-7,2024-01-01\nr3,9,2024-01-01\n");
    Cli.Outcome blocked = run(p);

    assertThat(blocked.exit()).as(blocked.toString()).isEqualTo(3);
    assertThat(dataFiles(silver)).isEqualTo(published);
    assertThat(SparkTestSession.get().read().format("delta").load(silver.toString()).count()).isEqualTo(1);
    List<Path> kept;
    try (java.util.stream.Stream<Path> all = Files.walk(wh().resolve("_strata/staging"))) {
      kept = all.filter(f -> f.endsWith("s/2024-01-01/output")).toList();
    }
    assertThat(kept).hasSize(1);
    assertThat(SparkTestSession.get().read().parquet(kept.get(0).toString()).count()).isEqualTo(3);
  }

  @Test
  void aBlockedGatePostsAnAlertWithoutEverPrintingTheWebhookUrl() throws IOException {
    List<String> received = new CopyOnWriteArrayList<>();
    AtomicInteger answer = new AtomicInteger(200);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/hooks/T000/secret-token", exchange -> {
      received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(answer.get(), -1);
      exchange.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/T000/secret-token";
      Path p = pipeline()
          .with("alerts", map("webhooks", List.of(map("url_file", "slack-url.secret"))))
          .file("slack-url.secret", url + "\n")
          .definition();
      TinyPipeline.landRaw(wh(), "id,amount,as_of_date\nr1,5,2024-01-01\nr2,-7,2024-01-01\n");

      Cli.Outcome blocked = run(p);
      assertThat(blocked.exit()).as(blocked.toString()).isEqualTo(3);
      assertThat(received).hasSize(1);
      String text = new com.fasterxml.jackson.databind.ObjectMapper().readTree(received.get(0)).get("text").asText();
      String runId = new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString())).runs("ops").get(0).runId();
      assertThat(text)
          .contains("pipeline ops, run " + runId, "*s* 2024-01-01 BLOCKED — `ColumnValues \"amount\" > 0`: the smallest amount is -7"
              + " (expected every amount more than 0)", "e.g. id=R2, amount=-7, as_of_date=2024-01-01", "Not built as a result: g 2024-01-01")
          .contains("Then: `strata run " + p + " ", " --warehouse " + wh() + " --date 2024-01-01 --tables s+`")
          .contains("strata report " + runId + " --html report-" + runId + ".html");
      assertThat(blocked.out()).contains("Alert sent to webhook 1 (slack-url.secret).");

      // The webhook is down: the run says so, keeps its own exit code, and still never shows the URL.
      answer.set(500);
      Cli.Outcome failing = run(p);
      assertThat(failing.exit()).isEqualTo(3);
      assertThat(failing.out()).contains("Warning: webhook 1 (slack-url.secret) answered HTTP 500; alert not delivered.");
      server.stop(0);
      Cli.Outcome unreachable = run(p);
      assertThat(unreachable.exit()).isEqualTo(3);
      assertThat(unreachable.out()).contains("Warning: webhook 1 (slack-url.secret) failed: ");
      for (Cli.Outcome o : List.of(blocked, failing, unreachable)) {
        assertThat(o.out() + o.err()).doesNotContain("secret-token").doesNotContain(":" + server.getAddress().getPort());
      }
      assertThat(new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString())).read("builds").orElseThrow()
          .where("message like '%secret-token%'").count()).isZero();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void waitForHoldsTheRunUntilTheMarkerAppearsAndGivesUpWithExit5() throws Exception {
    Path p = pipeline().definition();
    TinyPipeline.landRaw(wh(), "id,amount,as_of_date\nr1,5,2024-01-01\n");

    Cli.Outcome gaveUp = run(p, "--wait-for", "landing/raw/{date}", "--wait-timeout", "1s", "--poll-interval", "200ms");
    assertThat(gaveUp.exit()).as(gaveUp.toString()).isEqualTo(5);
    assertThat(gaveUp.err()).contains("Not starting: after waiting 1s, 1 --wait-for path is still missing: [", "landing/raw/2024-01-01]");
    assertThat(wh().resolve("_strata/ledger")).doesNotExist();

    Thread producer = new Thread(() -> {
      try {
        Thread.sleep(1500);
        Files.createFile(wh().resolve("landing/raw/2024-01-01/_SUCCESS"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    producer.start();
    Cli.Outcome waited = run(p, "--wait-for", "landing/raw/{date}", "--wait-timeout", "1m", "--poll-interval", "200ms");
    producer.join();
    assertThat(waited.exit()).as(waited.toString()).isZero();
    assertThat(waited.out()).contains("Sensor: waiting up to 1m for [", "Sensor: every --wait-for path is there; starting.");
  }

  @Test
  void aStaleSourceWarnsOrRefusesBeforeBronze() throws IOException {
    TinyPipeline.landRaw(wh(), "id,amount,as_of_date\nr1,5,2024-01-01\n");
    Path file = wh().resolve("landing/raw/" + TinyPipeline.DAY + "/raw.csv");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(3, ChronoUnit.HOURS)));

    Path warnOnly = pipeline().with("sources.raw.freshness", map("warn_after", "1h", "error_after", "2d")).definition();
    Cli.Outcome warned = run(warnOnly);
    assertThat(warned.exit()).as(warned.toString()).isZero();
    assertThat(warned.out())
        .containsPattern("! warn Freshness \"raw\" <= 1h: source 'raw' is stale: its newest file .* landed 3\\.0 h ago")
        .contains("its newest file", "landed 3.0 h ago, above warn_after 1h");

    Path strict = pipeline().with("sources.raw.freshness", map("warn_after", "1h", "error_after", "2h")).definition();
    Cli.Outcome refused = run(strict);
    assertThat(refused.exit()).as(refused.toString()).isEqualTo(5);
    assertThat(refused.out())
        .containsPattern(" b +NOT_READY")
        .containsPattern(" g +SKIPPED")
        .contains("Cannot build 'b' for 2024-01-01: source 'raw' is stale: its newest file", "above error_after 2h");
    assertThat(new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString())).read("gate_results").orElseThrow()
        .where("rule = 'Freshness \"raw\" <= 2h' and outcome = 'FAILED'").count()).isEqualTo(1);
  }
}

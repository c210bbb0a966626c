package dev.strata.jobs.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.definition.Layer;
import dev.strata.jobs.definition.PipelineDefinition;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.quality.GateResult;
import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleResult;
import dev.strata.quality.RuleSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Webhook URLs from the environment; a message only when something did not publish. */
class AlertsTest {
  private static final Partition DAY = Partition.day(LocalDate.of(2024, 3, 1));

  private static TableBuildResult build(String table, BuildStatus status, GateResult gate, String message) {
    return TableBuildResult.builder(table, Layer.SILVER, DAY, status).duration(Duration.ofSeconds(1)).gate(gate).message(message).attempt(1).build();
  }

  private static RunResult run(List<TableBuildResult> builds) {
    return new RunResult("20240301T000000Z-abcdef", "p", List.of(DAY), Instant.EPOCH, Instant.EPOCH, builds, "/wh/_strata/reports/r/quality.json",
        dev.strata.jobs.cli.ExitCodes.of(BuildStatus.worst(builds.stream().map(TableBuildResult::status).toList())));
  }

  @Test
  void theUrlComesFromTheEnvironmentAndOnlyFailuresAlert() throws IOException {
    List<String> received = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/hook", exchange -> {
      received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    server.start();
    try {
      PipelineDefinition def =
          new PipelineDefinition(
              "p", Path.of("/conf/p/pipeline.yaml"), "", List.of(), List.of(),
              List.of(new PipelineDefinition.Webhook("HOOK_URL", null, "x:1"), new PipelineDefinition.Webhook("UNSET_URL", null, "x:2")));
      StringWriter printed = new StringWriter();
      Alerts alerts =
          new Alerts(def, Map.of("HOOK_URL", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook"), new PrintWriter(printed, true));

      assertThat(alerts.send(run(List.of(build("a", BuildStatus.PUBLISHED, new GateResult(List.of()), ""))), "/wh")).isZero();
      assertThat(received).isEmpty();

      RuleResult failed =
          new RuleResult(new RuleSpec("IsUnique \"id\"", RuleGroup.ERROR, "x:9"), false, false, "not unique", Map.of("Column.id.Uniqueness", 0.99));
      int delivered =
          alerts.send(
              run(List.of(
                  build("a", BuildStatus.BLOCKED, new GateResult(List.of(failed)), "gate blocked"),
                  build("b", BuildStatus.FAILED, new GateResult(List.of()), "Cannot build 'b': disk on fire\nstack..."),
                  TableBuildResult.skipped("c", Layer.GOLD, DAY, "a", ""))),
              "/wh");
      assertThat(delivered).isEqualTo(1);
      assertThat(received).singleElement().asString()
          .contains("left 2 table partitions unpublished (exit 4)")
          .contains("*a* 2024-03-01 BLOCKED — `IsUnique \\\"id\\\"`: not unique")
          .contains("*b* 2024-03-01 FAILED — Cannot build 'b': disk on fire")
          .contains("Then: `strata run p --date 2024-03-01 --tables a+`")
          .doesNotContain("stack...")
          .contains("Not built as a result: c 2024-03-01");
      assertThat(printed.toString())
          .contains("Alert sent to webhook 1 ($HOOK_URL).")
          .contains("Warning: webhook 2 ($UNSET_URL) has no URL: $UNSET_URL is not set; alert not sent.")
          .doesNotContain("127.0.0.1");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aFailedWebhookSaysWhyEvenWhenTheClientGivesNoMessage() {
    assertThat(Alerts.why(new java.net.ConnectException())).startsWith("connection refused");
    assertThat(Alerts.why(new java.io.IOException(new java.net.ConnectException()))).startsWith("connection refused");
    assertThat(Alerts.why(new java.net.http.HttpTimeoutException("request timed out"))).startsWith("no answer within");
    assertThat(Alerts.why(new java.net.UnknownHostException("hooks.example"))).startsWith("unknown host");
    assertThat(Alerts.why(new IllegalArgumentException("Illegal character in path at index 8: https://hooks/secret x")))
        .doesNotContain("secret").contains("not a valid http(s) URL");
    assertThat(Alerts.why(new java.io.IOException())).isEqualTo("IOException without a message");
  }

  @Test
  void aFailedDeliveryAlertsThoughEveryTablePublished() {
    TableBuildResult published = build("summary", BuildStatus.PUBLISHED, new GateResult(List.of()), "");
    dev.strata.jobs.run.DeliveryResult failed = new dev.strata.jobs.run.DeliveryResult("summary", DAY, "db", "postgres", false, -1, "", 3, 2,
        Duration.ofSeconds(1), "could not deliver summary 2024-03-01 to output 'db' (postgres): Connection refused", true);
    RunResult run = new RunResult("20240301T000000Z-abcdef", "p", List.of(DAY), Instant.EPOCH, Instant.EPOCH, List.of(published),
        "/wh/_strata/reports/r/quality.json", List.of(), 4, List.of(failed));

    assertThat(run.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(Alerts.text(run, List.of(), "/wh"))
        .contains("*Strata: pipeline p, run 20240301T000000Z-abcdef* published, but 1 delivery failed (exit 4)")
        .contains("*summary* 2024-03-01: published, not delivered to output `db` (postgres) — could not deliver")
        .contains("`strata run p --resume 20240301T000000Z-abcdef` delivers it again");
  }
}

package dev.strata.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataProcess;
import dev.strata.testing.IntegrationTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 3 AM test: incidents scripted as they happen, on the banking pipeline, each read as the
 * person woken up reads it. The console's failure block starts with the run's outcome, then the
 * cause (table, partition, rule, observed against expected), then rows that show it; the same block
 * and the alert name what did not build as a result and the exact command to run once fixed. No
 * message anywhere (console, JSON and HTML report, alert) speaks Deequ's or Scala's internals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class IncidentsTest {
  private static final LocalDate DAY = LocalDate.of(2024, 1, 1);
  private static final int CUSTOMERS = 60;
  /** What no reader should ever be shown. */
  private static final List<String> INTERNALS = List.of("Empty state for analyzer", "(no metric)", "List(", "Some(", "does not meet the constraint");
  private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  @TempDir static Path dir;
  private Path definition;
  private HttpServer server;
  private final List<String> alerts = new CopyOnWriteArrayList<>();
  /** Everything any incident showed a reader, for the vocabulary check. */
  private final List<String> shown = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startWebhookAndCopyTheBankingDefinition() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/hook", exchange -> {
      alerts.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(exchange.getRequestBody()).get("text").asText());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    definition = dir.resolve("banking");
    Path source = Cli.CONF.resolve("pipelines/banking");
    try (var files = Files.walk(source)) {
      for (Path f : files.toList()) {
        Path to = definition.resolve(source.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    // An alert webhook, and a freshness contract on the accounts the bank's core system delivers.
    Files.writeString(definition.resolve("hook.secret"), "http://127.0.0.1:" + server.getAddress().getPort() + "/hook\n");
    String yaml = Files.readString(definition.resolve("pipeline.yaml"));
    yaml = yaml.replace("    path: landing/accounts/{date}\n", "    path: landing/accounts/{date}\n    freshness: {error_after: 1h}\n");
    Files.writeString(definition.resolve("pipeline.yaml"), yaml + "\nalerts:\n  webhooks:\n    - url_file: hook.secret\n");
  }

  @AfterAll
  void stopAndCheckTheVocabulary() {
    server.stop(0);
    assertThat(shown).isNotEmpty().allSatisfy(text -> {
      assertThat(text).doesNotContain(INTERNALS.toArray(String[]::new));
      assertThat(UUID.matcher(text).find()).as("a random UUID in:%n%s", text).isFalse();
    });
  }

  @Test
  void anEmptySourceFile() throws IOException {
    Path wh = land("empty", Defects.NONE);
    Files.writeString(accountsFile(wh), BankingGenerator.ACCOUNTS_HEADER + "\n");
    Incident i = run(wh, 3);
    assertThat(i.lines.get(1)).isEqualTo(
        "accounts_raw 2024-01-01 BLOCKED: RowCount > 0 failed: 0 rows (expected more than 0); no rows came in from accounts");
    assertThat(i.block())
        .contains("not built as a result: stg_account 2024-01-01, int_account_with_customer 2024-01-01, account_summary 2024-01-01,"
            + " customer_metrics 2024-01-01")
        .contains("then rebuild: " + command(wh, "--date", "2024-01-01", "--tables", "accounts_raw+"));
    assertThat(i.alert)
        .contains("*accounts_raw* 2024-01-01 BLOCKED — `RowCount > 0`: 0 rows (expected more than 0); no rows came in from accounts")
        .contains("Not built as a result: stg_account 2024-01-01", "Then: `" + command(wh, "--date", "2024-01-01", "--tables", "accounts_raw+") + "`");
  }

  @Test
  void anOrphanFlood() throws IOException {
    Path wh = land("orphans", new Defects(0, 0, 0, 0, 0, 0, 0, 0.5, 0));
    Incident i = run(wh, 3);
    // The cause is the flood, not the rules it left nothing to check.
    assertThat(i.lines.get(1)).matches(
        "stg_account 2024-01-01 BLOCKED: QuarantineRatio <= 0\\.05 failed: [\\d,]+ of [\\d,]+ rows \\(\\d+(\\.\\d+)?%\\) were quarantined"
            + " \\(expected at most 5%: max_quarantine_ratio 0\\.05\\): ReferentialIntegrity \"customer_id\" \"stg_customer\\.customer_id\" = 1\\.0"
            + " rejected [\\d,]+");
    assertThat(i.lines.get(2)).matches("  e\\.g\\. account_id=A\\d+, customer_id=\\S+, .*(; account_id=A\\d+, customer_id=\\S+, .*){4}");
    assertThat(i.block())
        .contains("not built as a result: int_account_with_customer 2024-01-01, account_summary 2024-01-01, customer_metrics 2024-01-01")
        .contains("fix: the rows the source delivered", "raise max_quarantine_ratio at pipeline.yaml:")
        .contains("inspect: " + reportCommand(wh, i.runId))
        .contains("then rebuild: " + command(wh, "--date", "2024-01-01", "--tables", "stg_account+"));
    assertThat(i.alert).contains("*stg_account* 2024-01-01 BLOCKED — `QuarantineRatio <= 0.05`:", "e.g. account_id=A",
        "Not built as a result: int_account_with_customer 2024-01-01");
    // The report leads with the same cause, and says where the rule is declared relative to the definition.
    assertThat(i.report).contains("\"headline\" : \"" + i.lines.get(1).replace("\"", "\\\"") + "\"", "\"declared_at\" : \"pipeline.yaml:");
    assertThat(i.html).contains("<h2>What happened</h2>", "ReferentialIntegrity").doesNotContain(definition.toString() + "/");
  }

  @Test
  void aRemovedColumn() throws IOException {
    Path wh = land("removed", Defects.NONE);
    List<String> lines = Files.readAllLines(accountsFile(wh));
    List<String> withoutBalance = new ArrayList<>();
    for (String line : lines) {
      List<String> fields = new ArrayList<>(Arrays.asList(line.split(",", -1)));
      fields.remove(2);
      withoutBalance.add(String.join(",", fields));
    }
    Files.write(accountsFile(wh), withoutBalance);
    Incident i = run(wh, 3);
    assertThat(i.lines.get(1)).startsWith(
        "accounts_raw 2024-01-01 BLOCKED: SchemaDrift \"accounts\" no breaking change failed: source 'accounts' for 2024-01-01 drifted"
            + " from its declared schema: removed: balance (not approved)");
    assertThat(i.block()).contains("not built as a result: stg_account 2024-01-01", "fix: the producer's files, or the source's declared schema")
        .contains("then rebuild: " + command(wh, "--date", "2024-01-01", "--tables", "accounts_raw+"));
    assertThat(i.alert).contains("*accounts_raw* 2024-01-01 BLOCKED — `SchemaDrift \"accounts\" no breaking change`:", "removed: balance");
  }

  @Test
  void aStaleSource() throws IOException {
    Path wh = land("stale", Defects.NONE);
    Files.setLastModifiedTime(accountsFile(wh), FileTime.from(Instant.now().minus(3, ChronoUnit.HOURS)));
    Incident i = run(wh, 5);
    assertThat(i.lines.get(1)).matches(
        "accounts_raw 2024-01-01 NOT_READY: Freshness \"accounts\" <= 1h failed: source 'accounts' is stale: its newest file \\S*accounts\\.csv"
            + " landed 3\\.0 h ago, above error_after 1h \\(\\S*pipeline\\.yaml:\\d+ sources\\.accounts\\.freshness\\)");
    assertThat(i.block()).contains("fix: the producer: deliver the partition's files, then build it again",
        "then rebuild: " + command(wh, "--date", "2024-01-01", "--tables", "accounts_raw+"));
    assertThat(i.alert).contains("*accounts_raw* 2024-01-01 NOT_READY — `Freshness \"accounts\" <= 1h`: source 'accounts' is stale");
  }

  @Test
  void anObjectStoreThatStaysDown() throws IOException {
    Path env = dir.resolve("down.env");
    // Nothing listens on port 9 of the loopback: every request is refused, as by a store that is down.
    Files.writeString(env, "STRATA_S3_ENDPOINT=http://127.0.0.1:9\nSTRATA_S3_PATH_STYLE=true\nAWS_ACCESS_KEY_ID=strata\n"
        + "AWS_SECRET_ACCESS_KEY=never-shown-123\n");
    Instant start = Instant.now();
    Cli.Outcome down = Cli.run("run", definition.toString(), "--warehouse", "s3a://strata/wh", "--env-file", env.toString(),
        "--date", "2024-01-01");
    shown.add(down.out());
    shown.add(down.err());
    assertThat(down.exit()).as(down.toString()).isEqualTo(4);
    assertThat(Duration.between(start, Instant.now())).as("the client's own retries are short").isLessThan(Duration.ofMinutes(2));
    assertThat(down.err().lines().findFirst().orElseThrow())
        .startsWith("strata: Cannot complete the command: the storage could not be reached (ConnectException: ")
        .contains("an object store that is down, a wrong endpoint, or no network", "Nothing was changed")
        .endsWith("run the same command again: strata run " + definition + " --warehouse s3a://strata/wh --env-file " + env
            + " --date 2024-01-01 --conf-dir " + Cli.CONF);
    assertThat(down.out() + down.err()).doesNotContain("never-shown-123");
  }

  @Test
  void aRunKilledMidWayAndRunAgain() throws IOException {
    Path wh = land("killed", Defects.NONE);
    StrataProcess killed =
        StrataProcess.start(dir.resolve("logs"), "killed", "pause:stg_account:commit:120000",
            "run", definition.toString(), "--date", DAY.toString(), "--warehouse", wh.toString());
    killed.awaitOutput("strata-fault: paused stg_account", Duration.ofMinutes(3));
    Matcher id = Pattern.compile("Run (\\S+): pipeline banking").matcher(killed.stdout());
    assertThat(id.find()).isTrue();
    killed.kill();

    Cli.Outcome again = Cli.run("run", definition.toString(), "--date", DAY.toString(), "--warehouse", wh.toString());
    shown.add(again.out());
    assertThat(again.exit()).as(again.toString()).isZero();
    List<String> lines = again.out().lines().toList();
    assertThat(lines.get(0)).startsWith("Run ").contains(": pipeline banking, 2024-01-01");
    // Second line: what happened to the last run, and what to do about it.
    assertThat(lines.get(1)).startsWith("Note: run " + id.group(1) + " (started ")
        .contains("never recorded its end: it is still running elsewhere, or it was killed. What it published stands")
        .contains("strata run " + definition + " --conf-dir " + Cli.CONF + " --warehouse " + wh + " --resume " + id.group(1));
  }

  /** A reader's view of one incident: the console's failure block, the alert, the reports. */
  private record Incident(String runId, List<String> lines, String alert, String report, String html) {
    String block() {
      return String.join("\n", lines);
    }
  }

  /** Runs the pipeline on its broken day; the failure block starts at the run's outcome line. */
  private Incident run(Path wh, int exit) throws IOException {
    int before = alerts.size();
    Cli.Outcome outcome = Cli.run("run", definition.toString(), "--date", DAY.toString(), "--warehouse", wh.toString());
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(exit);
    Matcher id = Pattern.compile("Run (\\d{8}T\\d{6}Z-[0-9a-f]{6}) did not publish everything").matcher(outcome.out());
    assertThat(id.find()).as(outcome.out()).isTrue();
    List<String> all = outcome.out().lines().toList();
    List<String> block = all.subList(all.indexOf(all.stream().filter(l -> l.startsWith("Run " + id.group(1) + " did not")).findFirst().orElseThrow()),
        all.size());
    assertThat(block.get(0)).contains("(exit " + exit + ")");
    assertThat(alerts).hasSize(before + 1);
    String alert = alerts.get(before);
    Cli.Outcome json = Cli.run("report", id.group(1), "--warehouse", wh.toString());
    assertThat(json.exit()).as(json.toString()).isZero();
    Path html = dir.resolve("report-" + id.group(1) + ".html");
    Cli.Outcome page = Cli.run("report", id.group(1), "--warehouse", wh.toString(), "--html", html.toString(), "--pipeline", definition.toString());
    assertThat(page.exit()).as(page.toString()).isZero();
    Incident i = new Incident(id.group(1), block, alert, json.out(), Files.readString(html, StandardCharsets.UTF_8));
    shown.addAll(List.of(outcome.out(), outcome.err(), alert, i.report, i.html));
    return i;
  }

  /** The rebuild command as the run prints it: the pipeline and locations exactly as this test gave them. */
  private String command(Path wh, String... args) {
    return "strata run " + definition + " --conf-dir " + Cli.CONF + " --warehouse " + wh + " " + String.join(" ", args);
  }

  private String reportCommand(Path wh, String runId) {
    return "strata report " + runId + " --html report-" + runId + ".html --conf-dir " + Cli.CONF + " --warehouse " + wh;
  }

  private Path land(String name, Defects defects) {
    Path wh = dir.resolve(name);
    new BankingGenerator(new HadoopFiles(new Configuration()), 7).writeDay(wh.resolve("landing").toUri().toString(), DAY, CUSTOMERS, defects);
    return wh;
  }

  private static Path accountsFile(Path wh) {
    return wh.resolve("landing/accounts/" + DAY + "/accounts.csv");
  }
}

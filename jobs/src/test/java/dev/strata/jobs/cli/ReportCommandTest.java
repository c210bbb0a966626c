package dev.strata.jobs.cli;

import static dev.strata.jobs.testing.StrataTestPipeline.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code strata report RUN --html} loaded in a real browser (Debian's headless Chromium), and
 * {@code strata checks suggest}.
 */
class ReportCommandTest {
  private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
  /** Where the screenshot goes: under the build's output, kept after the test for people to look at. */
  private static final Path SHOTS = Paths.get("target", "report-screenshots").toAbsolutePath();

  @TempDir Path dir;

  /** raw -> b -> s (quarantines negative amounts) -> g (an error rule that fails). */
  private Path pipeline() {
    return StrataTestPipeline.of("three_layer", dir)
        .with("tables.s.key", List.of("id"))
        .with("tables.s.max_quarantine_ratio", 0.5)
        .with("tables.s.rules", map("quarantine", List.of("ColumnValues \"amount\" >= 0")))
        .with("tables.g.rules", map("error", List.of("ColumnValues \"doubled\" <= 10")))
        .definition();
  }

  @Test
  @IntegrationTest
  void theHtmlReportShowsTheGraphByOutcomeAndTheFailedRuleInARealBrowser() throws Exception {
    Path p = pipeline();
    Path wh = dir.resolve("wh");
    TinyPipeline.landRaw(wh, "id,amount,as_of_date\nr1,5,2024-01-01\nr2,-3,2024-01-01\nr3,40,2024-01-01\n");
    Cli.Outcome run = TinyPipeline.run(p, wh);
    assertThat(run.exit()).as(run.toString()).isEqualTo(3);
    Matcher id = Pattern.compile("Run (\\d{8}T\\d{6}Z-[0-9a-f]{6})").matcher(run.out());
    assertThat(id.find()).isTrue();
    String runId = id.group(1);

    Cli.Outcome json = Cli.run("report", runId, "--warehouse", wh.toString());
    assertThat(json.exit()).as(json.toString()).isZero();
    assertThat(json.out()).contains("\"run_id\" : \"" + runId + "\"", "\"duplicate_keys\" : 0", "\"files_written\" : 1");

    Path html = dir.resolve("out/report.html");
    Cli.Outcome written = Cli.run("report", runId, "--warehouse", wh.toString(), "--html", html.toString(), "--pipeline", p.toString());
    assertThat(written.exit()).as(written.toString()).isZero();
    String page = Files.readString(html);
    assertThat(page)
        .doesNotContain("http://", "https://") // self-contained: nothing to fetch
        .contains("id=r2, amount=-3"); // a quarantined row, with the rule it failed
    Cli.Outcome missing = Cli.run("report", "20240101T000000Z-000000", "--warehouse", wh.toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("there is no report at", "strata history");

    if (!Files.isExecutable(CHROMIUM)) {
      String why = CHROMIUM + " is not installed (apt-get install chromium)";
      assertThat(System.getProperty("strata.requireBrowser")).as(why + ", and CI requires it").isNotEqualTo("true");
      Assumptions.abort(why);
    }
    Files.createDirectories(SHOTS);
    String dom = chromium(html, "--dump-dom");
    assertThat(dom).contains("Rendered: 4 graph nodes, 1 failed rules.");
    assertThat(dom)
        .containsPattern("<g class=\"node\" data-table=\"b\" data-outcome=\"PUBLISHED\">")
        .containsPattern("<g class=\"node\" data-table=\"s\" data-outcome=\"PUBLISHED\">")
        .containsPattern("<g class=\"node\" data-table=\"g\" data-outcome=\"BLOCKED\">")
        .containsPattern("<tr class=\"FAILED\"><td><code>ColumnValues \"doubled\" &lt;= 10</code>");
    // Read at a laptop's width: the cause at the top, every graph node in view (or in its own scrolling
    // box), no header split mid-word, and where rules are declared relative to the definition.
    String laptop = chromium(html, "--dump-dom", "--window-size=1366,900");
    assertThat(laptop).containsPattern("<body [^>]*data-graph=\"(fits|scrolls)\"")
        .contains("data-broken-headers=\"\"", "data-page-overflow=\"no\"");
    assertThat(laptop.indexOf("<h2>What happened</h2>")).as("the outcome comes before the graph and the tables")
        .isPositive().isLessThan(laptop.indexOf("<h2>Pipeline</h2>"));
    assertThat(laptop).contains("<code>ColumnValues \"doubled\" &lt;= 10</code> failed: the largest doubled is 80"
        + " (expected every doubled at most 10)");
    assertThat(laptop).contains(">pipeline.yaml:").doesNotContain(">" + p);
    Path shot = SHOTS.resolve("report.png");
    Files.deleteIfExists(shot);
    chromium(html, "--screenshot=" + shot, "--window-size=1366,1600");
    assertThat(shot).isNotEmptyFile();
    byte[] png = Files.readAllBytes(shot);
    assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
  }

  @Test
  void checksSuggestPrintsDqdlThatParsesAsADefinitionsRules() throws IOException {
    Path p = pipeline();
    Path wh = dir.resolve("wh");
    TinyPipeline.landRaw(wh, "id,amount,as_of_date\nr1,5,2024-01-01\nr2,3,2024-01-01\nr3,4,2024-01-01\nr4,5,2024-01-01\n");
    Cli.Outcome run = Cli.run("run", p.toString(), "--date", TinyPipeline.DAY, "--warehouse", wh.toString(), "--layer", "bronze");
    assertThat(run.exit()).as(run.toString()).isZero();
    Cli.Outcome suggested = Cli.run("checks", "suggest", p.toString(), "--table", "b", "--date", TinyPipeline.DAY, "--warehouse", wh.toString());
    assertThat(suggested.exit()).as(suggested.toString()).isZero();
    assertThat(suggested.out()).contains("# Rules Deequ suggests for b from partition 2024-01-01 (4 rows)");
    @SuppressWarnings("unchecked")
    java.util.Map<String, java.util.Map<String, List<String>>> yaml = new Yaml().load(suggested.out());
    List<String> error = yaml.get("rules").get("error");
    assertThat(error).contains("IsComplete \"id\"", "IsComplete \"amount\"");
    // Every line is a rule the definition accepts.
    for (String rule : error) {
      assertThat(dev.strata.quality.Rules.compile(new dev.strata.quality.RuleSpec(rule, dev.strata.quality.RuleGroup.ERROR, "t")).ok()).as(rule).isTrue();
    }
    Cli.Outcome never = Cli.run("checks", "suggest", p.toString(), "--table", "g", "--date", TinyPipeline.DAY, "--warehouse", wh.toString());
    assertThat(never.exit()).isEqualTo(2);
    assertThat(never.err()).contains("the table has never been published");
  }

  private String chromium(Path html, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        "--user-data-dir=" + dir.resolve("chromium-profile")));
    command.addAll(List.of(args));
    command.add(html.toUri().toString());
    Process process = new ProcessBuilder(command).redirectError(dir.resolve("chromium.err").toFile()).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(dir.resolve("chromium.err"))).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }
}

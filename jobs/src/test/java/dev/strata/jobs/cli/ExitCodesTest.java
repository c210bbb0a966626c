package dev.strata.jobs.cli;

import static dev.strata.jobs.testing.StrataTestPipeline.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.Tables;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.LocalDate;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every documented exit code, with a message that says what, where and how to fix it. */
@IntegrationTest
class ExitCodesTest {
  private static final LocalDate DAY = LocalDate.of(2024, 1, 1);
  @TempDir Path dir;

  private String warehouse() {
    return dir.resolve("wh").toString();
  }

  private void land(int customers) {
    new BankingGenerator(new HadoopFiles(new Configuration()), 3)
        .writeDay(dir.resolve("wh/landing").toUri().toString(), DAY, customers, Defects.NONE);
  }

  private void assertNothingPublished() {
    assertThat(dir.resolve("wh/bronze")).doesNotExist();
    assertThat(dir.resolve("wh/silver")).doesNotExist();
    assertThat(dir.resolve("wh/gold")).doesNotExist();
  }

  @Test
  void usageErrorsExit2() {
    Cli.Outcome none = Cli.run();
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err()).contains("Missing command");

    Cli.Outcome unknownOption = Cli.run("run", "banking", "--dat", "2024-01-01");
    assertThat(unknownOption.exit()).isEqualTo(2);
    assertThat(unknownOption.err()).contains("Unknown options: '--dat'").contains("See 'strata run --help'");

    Cli.Outcome badDate = Cli.run("run", "banking", "--date", "2024-13-01", "--warehouse", warehouse());
    assertThat(badDate.exit()).isEqualTo(2);
    assertThat(badDate.err()).contains("Cannot parse --date '2024-13-01': expected a day as YYYY-MM-DD");

    Cli.Outcome both = Cli.run("run", "banking", "--date", "2024-01-01", "--from", "2024-01-01", "--warehouse", warehouse());
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("give either --date D, or --from D1 --to D2");

    Cli.Outcome reversed = Cli.run("run", "banking", "--from", "2024-01-05", "--to", "2024-01-01", "--warehouse", warehouse());
    assertThat(reversed.exit()).isEqualTo(2);
    assertThat(reversed.err()).contains("--from 2024-01-05 is after --to 2024-01-01");

    Cli.Outcome layer = Cli.run("run", "banking", "--date", "2024-01-01", "--layer", "platinum", "--warehouse", warehouse());
    assertThat(layer.exit()).isEqualTo(2);
    assertThat(layer.err()).contains("unknown --layer 'platinum'; use bronze, silver or gold");

    Cli.Outcome unknown = Cli.run("validate", "nope");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("Cannot find pipeline 'nope'").contains("pipelines/nope");
    assertNothingPublished();
  }

  @Test
  void aMissingLandingFolderExits2AndWritesNothing() throws IOException {
    Files.createDirectories(dir.resolve("wh")); // the warehouse is there, the day's files are not
    Cli.Outcome outcome = Cli.run("run", "banking", "--date", "2024-01-01", "--warehouse", warehouse());
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(2);
    assertThat(outcome.err())
        .contains("Cannot read source 'customers' for 2024-01-01: no data files at")
        .contains("landing/customers/2024-01-01")
        .contains("pipeline.yaml:")
        .contains("strata generate");
    assertNothingPublished();
  }

  @Test
  void aMissingDayInARangeExits2BeforeAnyDayIsWritten() {
    land(50); // 2024-01-01 only; the range asks for the 2nd too
    Cli.Outcome outcome = Cli.run("run", "banking", "--from", "2024-01-01", "--to", "2024-01-02", "--warehouse", warehouse());
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(2);
    assertThat(outcome.err()).contains("for 2024-01-02: no data files");
    assertNothingPublished();
  }

  @Test
  void aRenamedCsvColumnIsBreakingSchemaDriftThatBlocksItsTableAndEverythingDownstream() throws IOException {
    land(50);
    Path file = dir.resolve("wh/landing/accounts/2024-01-01/accounts.csv");
    String text = Files.readString(file).replaceFirst("balance,account_type", "amount,account_type");
    Files.writeString(file, text);
    Cli.Outcome outcome = Cli.run("run", "banking", "--date", "2024-01-01", "--warehouse", warehouse());
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(3);
    assertThat(outcome.out())
        .containsPattern("accounts_raw +BLOCKED")
        .containsPattern("account_summary +SKIPPED")
        .contains("x error SchemaDrift \"accounts\" no breaking change:")
        .contains("source 'accounts' for 2024-01-01 drifted from its declared schema: added: amount (string);"
            + " removed: balance (not approved) in accounts.csv")
        .contains("approve the removal under drift.approved_removals");
    // The other source's bronze table is not affected; nothing of accounts was published.
    assertThat(dir.resolve("wh/bronze/customers_raw")).exists();
    assertThat(dir.resolve("wh/bronze/accounts_raw")).doesNotExist();
    assertThat(dir.resolve("wh/gold")).doesNotExist();
  }

  @Test
  void aMalformedDefinitionExits2WithItsLine() throws IOException {
    Path pipeline = dir.resolve("broken");
    Files.createDirectories(pipeline);
    Files.writeString(pipeline.resolve("pipeline.yaml"), "pipeline: broken\ntables:\n  t:\n    layer: bronze\n   inputs: [x]\n");
    Cli.Outcome outcome = Cli.run("run", pipeline.toString(), "--date", "2024-01-01", "--warehouse", warehouse());
    assertThat(outcome.exit()).isEqualTo(2);
    assertThat(outcome.err()).contains("pipeline.yaml:5: the file is not valid YAML").contains("strata validate");
  }

  @Test
  void aGoldRunWithoutItsUpstreamExits5() {
    land(50);
    Cli.Outcome outcome = Cli.run("run", "banking", "--date", "2024-01-01", "--layer", "gold", "--warehouse", warehouse());
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(5);
    assertThat(outcome.out())
        .containsPattern("account_summary +NOT_READY")
        .contains("Cannot build 'account_summary' for 2024-01-01: its upstream table 'int_account_with_customer' has never been published");
    assertNothingPublished();
  }

  @Test
  void aFailingTransformExits4AndPublishesNothingOfThatTable() {
    Path pipeline = StrataTestPipeline.of("three_layer", dir)
        .with("tables.g", null)
        .with("tables.s.sql", null)
        .with("tables.s.transform", "dev.strata.jobs.testing.ExplodingTransform")
        .definition();
    TinyPipeline.landRaw(dir.resolve("wh"), "id,amount,as_of_date\nr1,1,2024-01-01\n");

    Cli.Outcome outcome = TinyPipeline.run(pipeline, dir.resolve("wh"));

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    assertThat(outcome.out())
        .containsPattern("silver +s +FAILED")
        .contains("Cannot build 's' for 2024-01-01")
        .contains("boom: cannot handle row r1");
    Tables tables = new Tables(dir.resolve("wh"));
    assertThat(tables.exists("bronze", "b")).isTrue();
    assertThat(tables.exists("silver", "s")).isFalse();
  }

  @Test
  void aFailedWarnRuleIsReportedAndTheTableStillPublishes() throws IOException {
    Path pipeline = StrataTestPipeline.of("three_layer", dir)
        .with("tables.s", null)
        .with("tables.g", null)
        .with("sources.raw.schema", map("id", "string", "email", "string", "as_of_date", "string"))
        .file("b.sql", "SELECT id, email, as_of_date FROM raw")
        .with("tables.b.rules", map("warn", List.of("IsComplete \"email\"")))
        .definition();
    TinyPipeline.landRaw(dir.resolve("wh"), "id,email,as_of_date\nr1,a@x,2024-01-01\nr2,,2024-01-01\n");

    Cli.Outcome outcome = TinyPipeline.run(pipeline, dir.resolve("wh"));

    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out())
        .containsPattern("bronze +b +PUBLISHED +2 +2/3 passed")
        .contains("! warn IsComplete \"email\": 50% of 2 rows have an email; 1 is null (expected every row has one)");
    assertThat(new Tables(dir.resolve("wh")).count("bronze", "b", DAY)).isEqualTo(2);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("Quality report: (\\S+)").matcher(outcome.out());
    assertThat(m.find()).isTrue();
    String report = Files.readString(Path.of(java.net.URI.create(m.group(1))));
    assertThat(report).contains("\"warned\" : 1").contains("\"pass_rate\" : 66.7").contains("\"outcome\" : \"FAILED\"");
  }

  @Test
  void rowsOutsideThePartitionFailTheBuildAndPublishNothing() throws IOException {
    land(50);
    Path file = dir.resolve("wh/landing/customers/2024-01-01/customers.csv");
    Files.writeString(file, Files.readString(file) + "C99999999,Late Row,N,late@example.com,2024-01-02 01:00:00,2024-01-02\n");
    Cli.Outcome outcome = Cli.run("run", "banking", "--date", "2024-01-01", "--layer", "bronze", "--warehouse", warehouse());
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    assertThat(outcome.out()).contains("Cannot publish 'customers_raw' for 2024-01-01: 1 row(s) have a as_of_date other than 2024-01-01");
    assertThat(new Tables(dir.resolve("wh")).exists("bronze", "customers_raw")).isFalse();
  }
}

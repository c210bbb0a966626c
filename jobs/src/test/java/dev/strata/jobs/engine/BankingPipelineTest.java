package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.Tables;
import dev.strata.testing.IntegrationTest;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The banking pipeline end to end on generated data, through the CLI: a clean run, a re-run of one
 * date, then a broken delivery that a gate blocks. The steps share one warehouse, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class BankingPipelineTest {
  private static final LocalDate DAY1 = LocalDate.of(2024, 1, 1);
  private static final LocalDate DAY2 = LocalDate.of(2024, 1, 2);
  private static final int CUSTOMERS = 300;
  private static final int ACCOUNTS = BankingGenerator.accountCount(CUSTOMERS);
  private static final List<String[]> TABLES =
      List.of(
          new String[] {"bronze", "customers_raw"}, new String[] {"bronze", "accounts_raw"},
          new String[] {"silver", "stg_customer"}, new String[] {"silver", "stg_account"},
          new String[] {"silver", "int_account_with_customer"}, new String[] {"gold", "account_summary"},
          new String[] {"gold", "customer_metrics"});

  @TempDir static Path warehouse;
  private Tables tables;
  private Cli.Outcome firstRun;
  private final Map<String, List<String>> day1Rows = new LinkedHashMap<>();
  private final Map<String, List<String>> day2Files = new LinkedHashMap<>();

  @BeforeAll
  void generateAndRun() {
    tables = new Tables(warehouse);
    BankingGenerator generator = new BankingGenerator(new HadoopFiles(new Configuration()), 11);
    String landing = warehouse.resolve("landing").toUri().toString();
    generator.writeDay(landing, DAY1, CUSTOMERS, Defects.NONE);
    generator.writeDay(landing, DAY2, CUSTOMERS, new Defects(0, 0, 0, 0.2, 0.1, 0, 0, 0, 0));
    firstRun = Cli.run("run", "banking", "--from", "2024-01-01", "--to", "2024-01-02", "--warehouse", warehouse.toString());
  }

  @Test
  @Order(1)
  void aCleanRunPublishesEveryTable() {
    assertThat(firstRun.exit()).as(firstRun.toString()).isZero();
    for (LocalDate day : List.of(DAY1, DAY2)) {
      assertThat(tables.count("bronze", "customers_raw", day)).isEqualTo(day.equals(DAY1) ? CUSTOMERS : CUSTOMERS + 30);
      assertThat(tables.count("bronze", "accounts_raw", day)).isEqualTo(ACCOUNTS);
      assertThat(tables.count("silver", "stg_customer", day)).as("updates deduplicated").isEqualTo(CUSTOMERS);
      assertThat(tables.count("silver", "stg_account", day)).isEqualTo(ACCOUNTS);
      assertThat(tables.count("silver", "int_account_with_customer", day)).isEqualTo(ACCOUNTS);
      assertThat(tables.count("gold", "account_summary", day)).isEqualTo(ACCOUNTS);
      assertThat(tables.count("gold", "customer_metrics", day)).isEqualTo(CUSTOMERS);
    }
    assertThat(firstRun.out()).contains("succeeded (exit 0): 16 published");
  }

  @Test
  @Order(2)
  void publishedRowsAreWhatTheTransformsPromise() {
    Row bronze = tables.partition("bronze", "accounts_raw", DAY1).limit(1).collectAsList().get(0);
    assertThat(bronze.<String>getAs("_source_file")).endsWith("/landing/accounts/2024-01-01/accounts.csv");
    assertThat(tables.all("bronze", "accounts_raw").columns()).contains("_ingested_at");

    // The loan flag spelled yes/1/true/... on day 2 still standardizes to the same booleans.
    long loans1 = tables.partition("silver", "stg_customer", DAY1).where("has_loan_flag").count();
    long loans2 = tables.partition("silver", "stg_customer", DAY2).where("has_loan_flag").count();
    assertThat(loans1).isPositive();
    assertThat(tables.partition("silver", "stg_customer", DAY2).where("has_loan_flag is null").count()).isZero();
    assertThat(loans2).isPositive();
    // Re-sent customers: the later row (its email starts with "updated.") wins.
    assertThat(tables.partition("silver", "stg_customer", DAY2).where("email like 'updated.%'").count()).isEqualTo(30);

    for (Row r : tables.partition("gold", "account_summary", DAY1).collectAsList()) {
      BigDecimal balance = r.getAs("balance");
      BigDecimal rate = r.getAs("interest_rate_pct");
      assertThat(rate).isBetween(new BigDecimal("0.01"), new BigDecimal("0.025"));
      assertThat(r.<BigDecimal>getAs("new_balance_amount"))
          .isEqualByComparingTo(balance.multiply(BigDecimal.ONE.add(rate)).setScale(2, java.math.RoundingMode.HALF_UP));
    }
    Row total =
        tables.partition("gold", "customer_metrics", DAY1).selectExpr("sum(accounts)", "sum(total_balance)").head();
    Row balances = tables.partition("silver", "stg_account", DAY1).selectExpr("count(*)", "sum(balance)").head();
    assertThat(total.getLong(0)).isEqualTo(balances.getLong(0));
    assertThat(total.getDecimal(1)).isEqualByComparingTo(balances.getDecimal(1));
  }

  @Test
  @Order(3)
  void theQualityReportHasTheRunAndEveryRule() throws IOException {
    Matcher m = Pattern.compile("Quality report: (\\S+)").matcher(firstRun.out());
    assertThat(m.find()).isTrue();
    JsonNode report = new ObjectMapper().readTree(Files.readString(Paths.get(URI.create(m.group(1)))));
    assertThat(report.get("pipeline").asText()).isEqualTo("banking");
    assertThat(report.get("run_id").asText()).matches("\\d{8}T\\d{6}Z-[0-9a-f]{6}");
    // Each commit of a build names its run, table and partition in the table's Delta history.
    List<String> commits =
        io.delta.tables.DeltaTable.forPath(dev.strata.testing.SparkTestSession.get(), warehouse.resolve("silver/stg_account").toString())
            .history().select("userMetadata").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    String runId = report.get("run_id").asText();
    assertThat(commits).contains("strata run " + runId + ": stg_account " + DAY1, "strata run " + runId + ": stg_account " + DAY2);
    assertThat(report.get("partitions").toString()).isEqualTo("[\"2024-01-01\",\"2024-01-02\"]");
    assertThat(report.get("started_at").asText()).isNotEmpty();
    assertThat(report.get("ended_at").asText()).isNotEmpty();
    JsonNode summary = report.get("summary");
    int rules = report.get("rules").size();
    // Per table: its dataset-level rules, plus the quarantine-ratio check where it can quarantine
    // (row-level rules, or landing input that may be malformed).
    // accounts_raw: also its volume rule. snap_customer: the built-in row count and three history invariants.
    assertThat(rules).isEqualTo(2 * ((2 + 1) + (2 + 1 + 1) + (4 + 1) + (4 + 1) + 3 + 4 + 6 + 5));
    assertThat(summary.get("total").asInt()).isEqualTo(rules);
    assertThat(summary.get("passed").asInt()).isEqualTo(rules);
    assertThat(summary.get("failed").asInt()).isZero();
    assertThat(summary.get("pass_rate").asDouble()).isEqualTo(100.0);
    JsonNode rule = report.get("rules").get(1);
    assertThat(report.get("rules").get(0).get("rule").asText()).as("what the split rejected comes before the table's own rules")
        .isEqualTo("QuarantineRatio <= 0.05");
    assertThat(rule.get("table").asText()).isEqualTo("customers_raw");
    assertThat(rule.get("layer").asText()).isEqualTo("bronze");
    assertThat(rule.get("rule").asText()).isEqualTo("RowCount > 0");
    assertThat(rule.get("message").asText()).isEqualTo(String.format(java.util.Locale.ROOT, "%,d rows", CUSTOMERS));
    assertThat(rule.get("group").asText()).isEqualTo("error");
    assertThat(rule.get("outcome").asText()).isEqualTo("PASSED");
    assertThat(rule.get("observed").get("Dataset.*.RowCount").asDouble()).isEqualTo(CUSTOMERS);
    // Both partitions built concurrently: each is one commit of its own, in either order.
    List<Long> versions = new java.util.ArrayList<>();
    report.get("tables").forEach(t -> {
      if (t.get("table").asText().equals("customers_raw")) {
        versions.add(t.get("delta_version").asLong());
      }
    });
    assertThat(versions).containsExactlyInAnyOrder(0L, 1L);
  }

  @Test
  @Order(4)
  void runningADateAgainLeavesTheSameRowsAndOtherPartitionsUntouched() {
    for (String[] t : TABLES) {
      day1Rows.put(t[1], tables.rows(t[0], t[1], DAY1));
      day2Files.put(t[1], tables.files(t[0], t[1], DAY2));
    }
    Cli.Outcome again = Cli.run("run", "banking", "--date", "2024-01-01", "--warehouse", warehouse.toString());
    assertThat(again.exit()).as(again.toString()).isZero();
    for (String[] t : TABLES) {
      assertThat(tables.rows(t[0], t[1], DAY1)).as(t[1] + " day 1").isEqualTo(day1Rows.get(t[1]));
      assertThat(tables.files(t[0], t[1], DAY2)).as(t[1] + " day 2 files").isEqualTo(day2Files.get(t[1]));
      assertThat(tables.version(t[0], t[1])).as(t[1] + " version").isEqualTo(2);
    }
  }

  @Test
  @Order(5)
  void aFailingGateKeepsThePublishedPartitionAndBlocksDownstream() throws IOException {
    Map<String, Long> versions = new LinkedHashMap<>();
    for (String[] t : TABLES) {
      versions.put(t[1], tables.version(t[0], t[1]));
    }
    // A broken delivery for day 1: 2% of account ids arrive twice.
    new BankingGenerator(new HadoopFiles(new Configuration()), 11)
        .writeDay(warehouse.resolve("landing").toUri().toString(), DAY1, CUSTOMERS, new Defects(0, 0, 0, 0, 0, 0.02, 0, 0, 0));

    Cli.Outcome blocked = Cli.run("run", "banking", "--date", "2024-01-01", "--warehouse", warehouse.toString());

    assertThat(blocked.exit()).as(blocked.toString()).isEqualTo(3);
    assertThat(blocked.out())
        .containsPattern("2024-01-01 +silver +stg_account +BLOCKED")
        .containsPattern(
            "x error IsPrimaryKey \"account_id\": 9\\d\\.\\d+% of [\\d,]+ rows have an account_id no other row has; [\\d,]+ share"
                + " theirs with another row \\(expected every row an account_id, each different\\)\n +e\\.g\\. account_id=A\\d+ \\(2 rows\\)")
        .containsPattern("int_account_with_customer +SKIPPED")
        .contains("not built: upstream 'stg_account' did not publish 2024-01-01")
        .containsPattern("account_summary +SKIPPED")
        .containsPattern("customer_metrics +SKIPPED");
    // Bronze keeps what arrived (its rules passed); everything from the blocked table on is as it was.
    assertThat(tables.count("bronze", "accounts_raw", DAY1)).isEqualTo(ACCOUNTS + 8);
    for (String name : List.of("stg_account", "int_account_with_customer", "account_summary", "customer_metrics")) {
      String[] t = TABLES.stream().filter(x -> x[1].equals(name)).findFirst().orElseThrow();
      assertThat(tables.version(t[0], name)).as(name + " version").isEqualTo(versions.get(name));
      assertThat(tables.rows(t[0], name, DAY1)).as(name + " rows").isEqualTo(day1Rows.get(name));
    }
    assertThat(tables.version("silver", "stg_customer")).isEqualTo(versions.get("stg_customer") + 1);

    Matcher m = Pattern.compile("Quality report: (\\S+)").matcher(blocked.out());
    assertThat(m.find()).isTrue();
    JsonNode report = new ObjectMapper().readTree(Files.readString(Paths.get(URI.create(m.group(1)))));
    assertThat(report.get("status").asText()).isEqualTo("BLOCKED");
    assertThat(report.get("exit_code").asInt()).isEqualTo(3);
    assertThat(report.get("summary").get("failed").asInt()).isEqualTo(1);
    JsonNode failed = null;
    for (JsonNode r : report.get("rules")) {
      if (r.get("outcome").asText().equals("FAILED")) {
        failed = r;
      }
    }
    assertThat(failed).isNotNull();
    assertThat(failed.get("table").asText()).isEqualTo("stg_account");
    assertThat(failed.get("rule").asText()).isEqualTo("IsPrimaryKey \"account_id\"");
    assertThat(failed.get("observed").get("Column.account_id.Uniqueness").asDouble()).isLessThan(1.0);
    assertThat(failed.get("declared_at").asText()).contains("pipeline.yaml:").contains("tables.stg_account.rules.error[0]");
    // The rows the gate rejected stay in staging for inspection.
    String runId = report.get("run_id").asText();
    assertThat(warehouse.resolve("_strata/staging/" + runId + "/stg_account/2024-01-01")).isDirectory();
  }
}

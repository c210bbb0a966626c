package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.testing.Cli;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quarantine on the banking pipeline: generated data with known defects; the expected bad rows are
 * derived from the landing files themselves, independently of the engine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class QuarantineTest {
  private static final LocalDate DAY = LocalDate.of(2024, 2, 1);
  private static final String NULL_ID = "IsComplete \"customer_id\"";
  private static final String NULL_NAME = "IsComplete \"customer_name\"";
  private static final String NEGATIVE = "ColumnValues \"balance\" >= 0";
  private static final String ORPHAN = "ReferentialIntegrity \"customer_id\" \"stg_customer.customer_id\" = 1.0";

  @TempDir static Path warehouse;
  private Cli.Outcome run;
  private JsonNode report;

  // Derived from the landing files.
  private final Set<String> goodCustomers = new HashSet<>();
  private int nullIdRows;
  private int nullNameCustomers;
  private final Set<String> badAccounts = new TreeSet<>();
  private final Set<String> negativeAccounts = new TreeSet<>();
  private final Set<String> orphanAccounts = new TreeSet<>();
  private int accountRows;
  private int customerRows;
  private int customerRowsAfterDedup;

  @BeforeAll
  void generateAndRun() throws IOException {
    new BankingGenerator(new HadoopFiles(new Configuration()), 5)
        .writeDay(warehouse.resolve("landing").toUri().toString(), DAY, 1000, new Defects(0.01, 0.01, 0, 0.1, 0.03, 0, 0, 0.01, 0.01));
    expectFromLandingFiles();
    run = Cli.run("run", "banking", "--date", DAY.toString(), "--warehouse", warehouse.toString());
    report = report(run);
  }

  private void expectFromLandingFiles() throws IOException {
    Map<String, String[]> latest = new HashMap<>();
    for (String line : lines("customers")) {
      customerRows++;
      String[] f = line.split(",", -1);
      if (f[0].isBlank()) {
        nullIdRows++; // rows without a key are never deduplicated
        customerRowsAfterDedup++;
      } else if (!latest.containsKey(f[0]) || f[4].compareTo(latest.get(f[0])[4]) > 0) {
        latest.put(f[0], f);
      }
    }
    customerRowsAfterDedup += latest.size();
    for (String[] f : latest.values()) {
      if (f[1].isBlank()) {
        nullNameCustomers++;
      } else {
        goodCustomers.add(f[0]);
      }
    }
    for (String line : lines("accounts")) {
      accountRows++;
      String[] f = line.split(",", -1);
      if (new BigDecimal(f[2]).signum() < 0) {
        negativeAccounts.add(f[0]);
      }
      if (!goodCustomers.contains(f[1])) {
        orphanAccounts.add(f[0]);
      }
    }
    badAccounts.addAll(negativeAccounts);
    badAccounts.addAll(orphanAccounts);
  }

  private List<String> lines(String source) throws IOException {
    List<String> all = Files.readAllLines(warehouse.resolve("landing/" + source + "/" + DAY + "/" + source + ".csv"));
    return all.subList(1, all.size());
  }

  private static JsonNode report(Cli.Outcome outcome) throws IOException {
    Matcher m = Pattern.compile("Quality report: (\\S+)").matcher(outcome.out());
    assertThat(m.find()).as(outcome.toString()).isTrue();
    return new ObjectMapper().readTree(Files.readString(Paths.get(URI.create(m.group(1)))));
  }

  private static JsonNode table(JsonNode report, String name) {
    for (JsonNode t : report.get("tables")) {
      if (t.get("table").asText().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no table " + name + " in the report");
  }

  private static Dataset<Row> delta(Path path) {
    return SparkTestSession.get().read().format("delta").load(path.toUri().toString());
  }

  private static Set<String> column(Dataset<Row> rows, String name) {
    Set<String> values = new TreeSet<>();
    rows.select(name).collectAsList().forEach(r -> values.add(String.valueOf(r.get(0))));
    return values;
  }

  @Test
  @Order(1)
  void goodRowsArePublishedAndEveryBadRowIsQuarantinedWithItsReasons() {
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(nullIdRows).isPositive();
    assertThat(nullNameCustomers).isPositive();
    assertThat(negativeAccounts).isNotEmpty();
    assertThat(orphanAccounts).isNotEmpty();

    Dataset<Row> customers = delta(warehouse.resolve("silver/stg_customer"));
    assertThat(column(customers, "customer_id")).isEqualTo(new TreeSet<>(goodCustomers));
    Dataset<Row> quarantinedCustomers = delta(warehouse.resolve("_quarantine/stg_customer"));
    assertThat(quarantinedCustomers.where("customer_id is null").count()).isEqualTo(nullIdRows);
    assertThat(quarantinedCustomers.where("customer_id is not null").count()).isEqualTo(nullNameCustomers);
    assertThat(quarantinedCustomers.where("customer_name is null and customer_id is not null").count()).isEqualTo(nullNameCustomers);

    Dataset<Row> accounts = delta(warehouse.resolve("silver/stg_account"));
    Dataset<Row> quarantinedAccounts = delta(warehouse.resolve("_quarantine/stg_account"));
    assertThat(column(quarantinedAccounts, "account_id")).isEqualTo(badAccounts);
    assertThat(accounts.count()).isEqualTo(accountRows - badAccounts.size());
    assertThat(column(accounts, "account_id")).doesNotContainAnyElementsOf(badAccounts);

    // Each quarantined row says why, which run rejected it and when.
    Row sample = quarantinedAccounts.where("account_id = '" + negativeAccounts.iterator().next() + "'").head();
    assertThat(sample.getList(sample.fieldIndex("_strata_failed_rules"))).contains(NEGATIVE);
    assertThat(sample.<String>getAs("_strata_run_id")).isEqualTo(report.get("run_id").asText());
    assertThat(sample.<java.sql.Timestamp>getAs("_strata_quarantined_at")).isNotNull();
    for (Row r : quarantinedAccounts.collectAsList()) {
      List<String> rules = r.getList(r.fieldIndex("_strata_failed_rules"));
      String id = r.getAs("account_id");
      assertThat(rules.contains(NEGATIVE)).as(id).isEqualTo(negativeAccounts.contains(id));
      assertThat(rules.contains(ORPHAN)).as(id).isEqualTo(orphanAccounts.contains(id));
    }
  }

  @Test
  @Order(2)
  void theReportCountsEveryRowAndTheEquationHolds() {
    JsonNode c = table(report, "stg_customer").get("counts");
    assertThat(c.get("in").asLong()).isEqualTo(customerRows);
    assertThat(c.get("filtered").asLong()).isEqualTo(customerRows - customerRowsAfterDedup).isPositive();
    assertThat(c.get("filtered_reason").asText()).isEqualTo("duplicate customer_id, the row with the latest updated_at is kept");
    assertThat(c.get("quarantined").asLong()).isEqualTo(nullIdRows + nullNameCustomers);
    assertThat(c.get("quarantined_by_rule").get(NULL_ID).asLong()).isEqualTo(nullIdRows);
    assertThat(c.get("quarantined_by_rule").get(NULL_NAME).asLong()).isGreaterThanOrEqualTo(nullNameCustomers);
    JsonNode a = table(report, "stg_account").get("counts");
    assertThat(a.get("in").asLong()).isEqualTo(accountRows);
    assertThat(a.get("quarantined").asLong()).isEqualTo(badAccounts.size());
    assertThat(a.get("quarantined_by_rule").get(NEGATIVE).asLong()).isEqualTo(negativeAccounts.size());
    assertThat(a.get("quarantined_by_rule").get(ORPHAN).asLong()).isEqualTo(orphanAccounts.size());
    for (JsonNode t : report.get("tables")) {
      JsonNode n = t.get("counts");
      assertThat(n.get("in").asLong())
          .as(t.get("table").asText())
          .isEqualTo(n.get("published").asLong() + n.get("quarantined").asLong() + n.get("filtered").asLong());
    }
    assertThat(run.out()).contains("quarantined " + badAccounts.size() + " of " + String.format("%,d", accountRows) + " rows:");
  }

  @Test
  @Order(3)
  void reRunningTheDateReplacesTheQuarantinePartitionInsteadOfAppending() throws IOException {
    long before = delta(warehouse.resolve("_quarantine/stg_account")).count();
    Cli.Outcome again = Cli.run("run", "banking", "--date", DAY.toString(), "--warehouse", warehouse.toString());
    assertThat(again.exit()).as(again.toString()).isZero();
    Dataset<Row> after = delta(warehouse.resolve("_quarantine/stg_account"));
    assertThat(after.count()).isEqualTo(before);
    assertThat(column(after, "_strata_run_id")).containsExactly(report(again).get("run_id").asText());
  }

  @Test
  @Order(4)
  void aFloodOfBadRowsBlocksTheTable() throws IOException {
    LocalDate flood = DAY.plusDays(1);
    new BankingGenerator(new HadoopFiles(new Configuration()), 5)
        .writeDay(warehouse.resolve("landing").toUri().toString(), flood, 500, new Defects(0.2, 0, 0, 0, 0, 0, 0, 0, 0));
    Cli.Outcome outcome = Cli.run("run", "banking", "--date", flood.toString(), "--warehouse", warehouse.toString());
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(3);
    assertThat(outcome.out())
        .containsPattern("stg_customer +BLOCKED")
        .contains("x error QuarantineRatio <= 0.05: 100 of 500 rows (20%) were quarantined (expected at most 5%: max_quarantine_ratio 0.05):"
            + " IsComplete \"customer_id\" rejected 100")
        .containsPattern("e\\.g\\. customer_id=null, [a-z_]+=")
        .contains("stg_customer " + flood + " BLOCKED: QuarantineRatio <= 0.05 failed: 100 of 500 rows (20%) were quarantined");
    // Nothing of the flooded partition was published, not even to the quarantine.
    assertThat(delta(warehouse.resolve("_quarantine/stg_customer")).where("as_of_date = '" + flood + "'").count()).isZero();
    assertThat(delta(warehouse.resolve("silver/stg_customer")).where("as_of_date = '" + flood + "'").count()).isZero();
  }
}

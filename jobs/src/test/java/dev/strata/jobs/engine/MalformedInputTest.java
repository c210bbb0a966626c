package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.testing.Cli;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input that cannot be read as declared is quarantined at bronze with its raw line, never dropped. */
@IntegrationTest
class MalformedInputTest {
  private static final LocalDate DAY = LocalDate.of(2024, 3, 1);
  @TempDir Path warehouse;

  private Path customersDir() {
    return warehouse.resolve("landing/customers/" + DAY);
  }

  private void land(Defects defects) {
    new BankingGenerator(new HadoopFiles(new Configuration()), 9)
        .writeDay(warehouse.resolve("landing").toUri().toString(), DAY, 200, defects);
  }

  private Cli.Outcome runBronze() {
    return Cli.run("run", "banking", "--date", DAY.toString(), "--layer", "bronze", "--warehouse", warehouse.toString());
  }

  private Dataset<Row> delta(String relative) {
    return SparkTestSession.get().read().format("delta").load(warehouse.resolve(relative).toUri().toString());
  }

  @Test
  void malformedLinesAndValuesAreQuarantinedWithTheirRawLineAndReason() throws IOException {
    land(new Defects(0, 0, 0, 0, 0, 0, 0.03, 0, 0)); // 3% of balances are "N/A"
    Files.writeString(
        customersDir().resolve("late.csv"),
        String.join(
            "\n",
            BankingGenerator.CUSTOMERS_HEADER,
            "C90000001,Too Few,Y",
            "C90000002,Too Many,Y,a@x.com,2024-03-01 01:00:00,2024-03-01,surplus",
            "\"C90000003,Unclosed quote,Y,b@x.com,2024-03-01 01:00:00,2024-03-01",
            "C90000004,Bad Time,N,c@x.com,yesterday,2024-03-01",
            "C90000005,Fine Row,N,d@x.com,2024-03-01 02:00:00,2024-03-01",
            ""));
    Files.writeString(customersDir().resolve("header-only.csv"), BankingGenerator.CUSTOMERS_HEADER + "\n");

    Cli.Outcome outcome = runBronze();

    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(delta("bronze/customers_raw").count()).isEqualTo(201);
    Dataset<Row> quarantined = delta("_quarantine/customers_raw");
    assertThat(quarantined.count()).isEqualTo(4);
    List<Row> rows = quarantined.orderBy("_strata_raw_line").collectAsList();
    assertThat(rows.stream().map(r -> r.<String>getAs("_strata_raw_line")).toList())
        .containsExactly(
            "\"C90000003,Unclosed quote,Y,b@x.com,2024-03-01 01:00:00,2024-03-01",
            "C90000001,Too Few,Y",
            "C90000002,Too Many,Y,a@x.com,2024-03-01 01:00:00,2024-03-01,surplus",
            "C90000004,Bad Time,N,c@x.com,yesterday,2024-03-01");
    assertThat(rows.get(1).getList(rows.get(1).fieldIndex("_strata_failed_rules")))
        .containsExactly("malformed: the line has 3 fields where the file's header names 6");
    assertThat(rows.get(2).getList(rows.get(2).fieldIndex("_strata_failed_rules")))
        .containsExactly("malformed: the line has 7 fields where the file's header names 6");
    assertThat(rows.get(3).getList(rows.get(3).fieldIndex("_strata_failed_rules")))
        .containsExactly("malformed: updated_at is not a timestamp");
    assertThat(rows).allSatisfy(r -> assertThat(r.<String>getAs("_source_file")).endsWith("/late.csv"));
    assertThat(rows).allSatisfy(r -> assertThat(r.<String>getAs("as_of_date")).isEqualTo(DAY.toString()));

    int accounts = BankingGenerator.accountCount(200);
    int badNumbers = (int) Math.floor(accounts * 0.03);
    assertThat(delta("bronze/accounts_raw").count()).isEqualTo(accounts - badNumbers);
    Dataset<Row> badAccounts = delta("_quarantine/accounts_raw");
    assertThat(badAccounts.count()).isEqualTo(badNumbers);
    assertThat(badAccounts.where("balance = 'N/A' and _strata_raw_line like '%,N/A,%'").count()).isEqualTo(badNumbers);
    assertThat(outcome.out())
        .contains("quarantined 4 of 205 rows:")
        .contains("quarantined " + badNumbers + " of " + accounts + " rows: malformed: balance is not a decimal(18,2) (" + badNumbers + ")");
  }

  @Test
  void aDayWithOnlyAHeaderIsAnIncidentNotASuccess() throws IOException {
    land(Defects.NONE);
    Files.writeString(customersDir().resolve("customers.csv"), BankingGenerator.CUSTOMERS_HEADER + "\n");
    Cli.Outcome outcome = runBronze();
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(3);
    assertThat(outcome.out())
        .containsPattern("customers_raw +BLOCKED")
        .contains("x error RowCount > 0: 0 rows (expected more than 0); no rows came in from customers")
        .contains("customers_raw " + DAY + " BLOCKED: RowCount > 0 failed: 0 rows (expected more than 0); no rows came in from customers");
  }

  @Test
  void aFileWithAnExtraColumnIsAcceptedAndCarriedIntoBronzeWithAWarning() throws IOException {
    land(Defects.NONE);
    Files.writeString(
        customersDir().resolve("v2.csv"),
        BankingGenerator.CUSTOMERS_HEADER + ",segment\n"
            + "C80000001,New Format,Y,n@x.com,2024-03-01 01:00:00,2024-03-01,retail\n"
            + "C80000002,New Format,N,m@x.com,2024-03-01 01:00:00,2024-03-01,private\n");
    Cli.Outcome outcome = runBronze();
    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out())
        .contains("! warn SchemaDrift \"customers\" no change: source 'customers' for " + DAY + " drifted")
        .contains("drifted from its declared schema: added: segment (string) (added columns are carried into bronze)");
    Dataset<Row> bronze = delta("bronze/customers_raw");
    assertThat(bronze.count()).isEqualTo(202);
    assertThat(bronze.where("segment is not null").orderBy("segment").select("customer_id", "segment").collectAsList())
        .map(Row::toString).containsExactly("[C80000002,private]", "[C80000001,retail]");
  }
}

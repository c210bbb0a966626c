package dev.strata.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.Tables;
import dev.strata.testing.IntegrationTest;
import java.nio.file.Path;
import java.time.LocalDate;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class QuarantineCommandTest {
  private static final LocalDate DAY = LocalDate.of(2024, 4, 1);
  private static final int CUSTOMERS = 300;
  private static final int ACCOUNTS = BankingGenerator.accountCount(CUSTOMERS);
  @TempDir Path warehouse;

  private void land(Defects defects) {
    new BankingGenerator(new HadoopFiles(new Configuration()), 21)
        .writeDay(warehouse.resolve("landing").toUri().toString(), DAY, CUSTOMERS, defects);
  }

  @Test
  void listShowsWhatWasRejectedAndReplayTakesItBackOnceTheSourceIsFixed() {
    land(new Defects(0, 0, 0, 0, 0, 0, 0.02, 0, 0));
    int bad = (int) Math.floor(ACCOUNTS * 0.02);
    String wh = warehouse.toString();
    assertThat(Cli.run("run", "banking", "--date", DAY.toString(), "--warehouse", wh).exit()).isZero();
    Tables tables = new Tables(warehouse);
    assertThat(tables.count("bronze", "accounts_raw", DAY)).isEqualTo(ACCOUNTS - bad);
    assertThat(tables.count("gold", "account_summary", DAY)).isEqualTo(ACCOUNTS - bad);
    long customersVersion = tables.version("bronze", "customers_raw");

    Cli.Outcome list = Cli.run("quarantine", "list", "banking", "--warehouse", wh, "--samples", "2");
    assertThat(list.exit()).as(list.toString()).isZero();
    assertThat(list.out())
        .contains("accounts_raw (")
        .contains(bad + " quarantined rows")
        .containsPattern(DAY + " +" + bad + " +malformed: balance is not a decimal\\(18,2\\)")
        .contains("samples:")
        .contains("balance=N/A")
        .doesNotContain("customers_raw (");

    // The producer re-delivers a corrected file.
    land(Defects.NONE);
    Cli.Outcome replay =
        Cli.run("quarantine", "replay", "banking", "--table", "accounts_raw", "--date", DAY.toString(), "--warehouse", wh);
    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(replay.out())
        .contains("Before: accounts_raw " + DAY + " holds " + (ACCOUNTS - bad) + " rows, its quarantine " + bad + ".")
        .contains(bad + " row(s) released from quarantine, 0 still fail")
        .contains("Rows in " + ACCOUNTS + " = " + ACCOUNTS + " published + 0 quarantined + 0 filtered");
    assertThat(tables.count("bronze", "accounts_raw", DAY)).isEqualTo(ACCOUNTS);
    assertThat(tables.count("silver", "stg_account", DAY)).isEqualTo(ACCOUNTS);
    assertThat(tables.count("gold", "account_summary", DAY)).as("downstream rebuilt").isEqualTo(ACCOUNTS);
    assertThat(tables.version("bronze", "customers_raw")).as("not downstream: untouched").isEqualTo(customersVersion);

    Cli.Outcome empty = Cli.run("quarantine", "list", "banking", "--table", "accounts_raw", "--date", DAY.toString(), "--warehouse", wh);
    assertThat(empty.out()).contains("No quarantined rows in accounts_raw for " + DAY + ".");
  }

  @Test
  void anUnknownTableIsAClearError() {
    Cli.Outcome outcome =
        Cli.run("quarantine", "replay", "banking", "--table", "stg_acount", "--date", DAY.toString(), "--warehouse", warehouse.toString());
    assertThat(outcome.exit()).isEqualTo(2);
    assertThat(outcome.err()).contains("Cannot find table 'stg_acount' in pipeline banking; its tables are [customers_raw,");
  }
}

package dev.strata.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.PostgresLocal;
import dev.strata.jobs.testing.Tables;
import dev.strata.testing.IntegrationTest;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void theDemoRunsCleanThenShowsAGateBlockingAndExits0() {
    Cli.Outcome outcome = Cli.run("demo", "--warehouse", dir.toString(), "--rows", "200", "--days", "2");
    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out())
        .contains("== 1. Generate 2 days")
        .contains("succeeded (exit 0): 16 published")
        .containsPattern("stg_account +BLOCKED")
        .contains("Broken run: stg_account blocked by its gate, downstream not built (exit 3)")
        .contains("unchanged (same rows, same Delta versions)")
        .containsPattern("account_summary +267 v1 +12/12 ")
        .contains("Demo finished: everything behaved as designed.");
    assertThat(new Tables(dir).count("gold", "account_summary", LocalDate.of(2024, 1, 2))).isEqualTo(267);
    // Outputs: the CSV export of each published day, with its marker; the database's rows where
    // scripts/postgres-local can start one (CI installs it: STRATA_REQUIRE_POSTGRES).
    assertThat(outcome.out()).containsPattern("2024-01-02  output  account_summary\\.export +DELIVERED +267  files");
    assertThat(dir.resolve("exports/account_summary/2024-01-02/_SUCCESS")).exists();
    if (PostgresLocal.REQUIRED || outcome.out().contains("PostgreSQL from scripts/postgres-local")) {
      assertThat(outcome.out()).containsPattern("2024-01-02  output  account_summary\\.db +DELIVERED +267  postgres")
          .containsPattern("2024-01-02 \\| +267 \\|")
          .contains("and delivered to PostgreSQL (table account_summary); the blocked run delivered nothing");
    } else {
      assertThat(outcome.out()).contains("is not delivered here: $STRATA_JDBC_URL is not set");
    }
  }
}

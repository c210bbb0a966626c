package dev.strata.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
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
  }
}

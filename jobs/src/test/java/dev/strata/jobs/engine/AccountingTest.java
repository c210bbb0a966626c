package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static dev.strata.jobs.testing.StrataTestPipeline.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.BuildStatus;
import dev.strata.api.RunOutcome;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.jobs.testing.Tables;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows in = published + quarantined + filtered, on every build; a row never disappears silently. */
class AccountingTest {
  private static final String DAY = "2024-01-01";

  @TempDir Path dir;

  /** raw (id, kind) -> b -> s ({@code silverSql}, removing rows for {@code removes}, or null). */
  private RunOutcome run(String silverSql, String removes) {
    StrataTestPipeline pipeline = StrataTestPipeline.of("three_layer", dir)
        .with("tables.g", null)
        .with("sources.raw.schema", map("id", "string", "kind", "string", "as_of_date", "string"))
        .file("b.sql", "SELECT id, kind, as_of_date FROM raw")
        .file("s.sql", silverSql)
        .with("tables.s.removes", removes)
        .land("raw", DAY, "raw.csv", "id,kind,as_of_date\nr1,keep,2024-01-01\nr2,test,2024-01-01\nr3,keep,2024-01-01\n");
    return pipeline.run(DAY);
  }

  @Test
  void rowsRemovedWithoutADeclaredReasonFailTheBuild() {
    RunOutcome run = run("SELECT * FROM b WHERE kind <> 'test'", null);
    assertThatBuild(run, "s", DAY)
        .hasStatus(BuildStatus.FAILED)
        .messageContains("Cannot publish 's' for 2024-01-01: its input 'b' has 3 rows but the transform produced 2")
        .messageContains("declare why with `removes: <reason>`");
    assertThat(new Tables(dir.resolve("wh")).exists("silver", "s")).isFalse();
  }

  @Test
  void aDeclaredFilterIsCountedWithItsReason() {
    RunOutcome run = run("SELECT * FROM b WHERE kind <> 'test'", "test rows from the source's QA team");
    assertThatBuild(run, "s", DAY).isPublished().hasRows(3, 2, 0, 1);
    assertThat(new Tables(dir.resolve("wh")).all("silver", "s").count()).isEqualTo(2);
  }

  @Test
  void aJoinThatMultipliesRowsFailsTheBuild() {
    RunOutcome run = run("SELECT b.* FROM b JOIN b AS other ON b.kind = other.kind", null);
    assertThatBuild(run, "s", DAY).hasStatus(BuildStatus.FAILED).messageContains("the transform produced 5 rows from the 3 rows of 'b'");
  }
}

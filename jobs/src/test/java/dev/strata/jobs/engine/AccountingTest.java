package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.Tables;
import dev.strata.jobs.testing.TinyPipeline;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows in = published + quarantined + filtered, on every build; a row never disappears silently. */
class AccountingTest {
  @TempDir Path dir;

  private Cli.Outcome run(String silverSql, String silverExtra) {
    Path pipeline =
        TinyPipeline.define(
            dir,
            "p",
            """
        pipeline: p
        sources:
          raw:
            path: landing/raw/{date}
            schema:
              id: string
              kind: string
              as_of_date: string
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
          s:
            layer: silver
            inputs: [b]
            sql: s.sql
        """
                + silverExtra,
            "b.sql",
            "SELECT id, kind, as_of_date FROM raw",
            "s.sql",
            silverSql);
    TinyPipeline.landRaw(dir.resolve("wh"), "id,kind,as_of_date\nr1,keep,2024-01-01\nr2,test,2024-01-01\nr3,keep,2024-01-01\n");
    return TinyPipeline.run(pipeline, dir.resolve("wh"));
  }

  @Test
  void rowsRemovedWithoutADeclaredReasonFailTheBuild() {
    Cli.Outcome outcome = run("SELECT * FROM b WHERE kind <> 'test'", "");
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    assertThat(outcome.out())
        .containsPattern("silver +s +FAILED")
        .contains("Cannot publish 's' for 2024-01-01: its input 'b' has 3 rows but the transform produced 2")
        .contains("declare why with `removes: <reason>`");
    assertThat(new Tables(dir.resolve("wh")).exists("silver", "s")).isFalse();
  }

  @Test
  void aDeclaredFilterIsCountedWithItsReason() {
    Cli.Outcome outcome = run("SELECT * FROM b WHERE kind <> 'test'", "    removes: test rows from the source's QA team\n");
    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out()).contains("filtered 1 rows: test rows from the source's QA team");
    assertThat(new Tables(dir.resolve("wh")).all("silver", "s").count()).isEqualTo(2);
  }

  @Test
  void aJoinThatMultipliesRowsFailsTheBuild() {
    Cli.Outcome outcome = run("SELECT b.* FROM b JOIN b AS other ON b.kind = other.kind", "");
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    assertThat(outcome.out()).contains("the transform produced 5 rows from the 3 rows of 'b'");
  }
}

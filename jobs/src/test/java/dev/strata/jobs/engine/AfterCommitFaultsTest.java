package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.Tables;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Once a build's Delta commit returned, the build is published whatever fails after it: every
 * step after the commit is failed in turn ({@link dev.strata.jobs.testing.Faults}), and the table, the ledger and the exit
 * code must say what really happened.
 */
class AfterCommitFaultsTest {
  private static final LocalDate DAY = LocalDate.parse(TinyPipeline.DAY);

  @TempDir Path dir;

  /** raw -> b (bronze) -> h (silver, the SCD2 history of b). */
  private Path pipeline() {
    if (java.nio.file.Files.exists(dir.resolve("afterc"))) {
      return dir.resolve("afterc"); // landed once: a second landing would change the file
    }
    Path p = TinyPipeline.define(dir, "afterc", TinyPipeline.withBronze("afterc", "") + """
          h:
            layer: silver
            inputs: [b]
            history:
              key: [id]
        """, "b.sql", TinyPipeline.BRONZE_SQL);
    TinyPipeline.landRaw(dir.resolve("wh"), "id,as_of_date\nr1,2024-01-01\nr2,2024-01-01\n");
    return p;
  }

  private Cli.Outcome runWithFaults(String faults, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("run", pipeline().toString(), "--warehouse", dir.resolve("wh").toString()));
    args.addAll(List.of(more.length == 0 ? new String[] {"--date", TinyPipeline.DAY} : more));
    return Cli.runWithFaults(faults, args.toArray(String[]::new));
  }


  private Ledger ledger() {
    return new Ledger(SparkTestSession.get(), Warehouse.at(dir.resolve("wh").toString()));
  }

  /** The ledger's rows for table b's builds, oldest first. */
  private List<Row> buildsOf(String table) {
    return ledger().read("builds").orElseThrow().where(col("table").equalTo(table)).orderBy("recorded_at")
        .select("status", "delta_version", "message").collectAsList();
  }

  /** The table holds the day's two rows in its version 0 (a history: two current versions). */
  private void assertPublished(String table, String layer) {
    Tables tables = new Tables(dir.resolve("wh"));
    assertThat(tables.version(layer, table)).as(table).isZero();
    assertThat(layer.equals("silver") ? tables.all(layer, table).where("is_current").count() : tables.count(layer, table, DAY))
        .as(table).isEqualTo(2);
  }

  @Test
  void aStagingFolderThatCannotBeDeletedIsAWarningOfAPublishedBuild() {
    Cli.Outcome outcome = runWithFaults("fail:b:cleanup:1;fail:h:cleanup:1");

    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out()).containsPattern("b +PUBLISHED").containsPattern("h +PUBLISHED")
        .contains("warning: published as version 0, but could not delete its staging folder");
    assertPublished("b", "bronze");
    assertPublished("h", "silver");
    for (String table : List.of("b", "h")) {
      Row build = buildsOf(table).get(0);
      assertThat(build.getString(0)).as(table).isEqualTo("PUBLISHED");
      assertThat(build.getLong(1)).as(table).isZero();
      assertThat(build.getString(2)).as(table).startsWith("warning: published as version 0, but could not delete its staging folder")
          .contains("injected failure 1 of 1 at cleanup of " + table);
    }
  }

  @Test
  void landingFilesThatCannotBeRecordedLeaveAPublishedBuildThatTheNextRunIngestsAgain() {
    Cli.Outcome outcome = runWithFaults("fail:b:record-files:1");

    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out()).containsPattern("b +PUBLISHED")
        .contains("warning: published as version 0, but could not record in the ledger the landing files of raw it read");
    assertPublished("b", "bronze");
    assertThat(buildsOf("b").get(0).getString(0)).isEqualTo("PUBLISHED");
    assertThat(ledger().read("ingested_files")).isEmpty();

    // Without the record, the next incremental run takes the day for new and ingests it again: same rows.
    List<String> rows = new Tables(dir.resolve("wh")).rows("bronze", "b", DAY);
    Cli.Outcome again = runWithFaults("", "--layer", "bronze");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).containsPattern("b +PUBLISHED .* v1");
    assertThat(new Tables(dir.resolve("wh")).rows("bronze", "b", DAY)).isEqualTo(rows);
    assertThat(ledger().read("ingested_files").orElseThrow().count()).isEqualTo(1);
  }

  @Test
  void aLedgerThatFailsOnceIsRetriedAndRecordsTheBuildOnce() {
    Cli.Outcome outcome = runWithFaults("io-error:b:record-build:1");

    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertPublished("b", "bronze");
    assertThat(buildsOf("b")).extracting(r -> r.getString(0)).containsExactly("PUBLISHED");
  }

  @Test
  void aBuildTheLedgerCannotRecordStaysPublishedAndTheRunEndsAborted() {
    Cli.Outcome outcome = runWithFaults("fail:b:record-build:1");

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    assertThat(outcome.err())
        .contains("Cannot record b 2024-01-01 in the ledger")
        .contains("The build of b 2024-01-01 itself was published (Delta version 0) and stays")
        .contains("strata run afterc --date 2024-01-01 --tables b+");
    assertPublished("b", "bronze");
    // h reads b: with b's outcome unknown to the ledger it never started.
    assertThat(new Tables(dir.resolve("wh")).exists("silver", "h")).isFalse();
    assertThat(ledger().read("builds")).isEmpty();
    List<Row> runs = ledger().read("runs").orElseThrow().orderBy("recorded_at").select("status", "exit_code").collectAsList();
    assertThat(runs).extracting(r -> r.getString(0)).containsExactly("RUNNING", "ABORTED");
    assertThat(runs.get(1).getInt(1)).isEqualTo(4);
  }

  @Test
  void aReportThatCannotBeWrittenIsAWarningAndTheRunEndsAsItWent() {
    Cli.Outcome outcome = runWithFaults("fail:afterc:report:1");

    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out()).contains("Warning: the quality report of run").contains("could not be written")
        .contains("the ledger has every outcome");
    assertPublished("b", "bronze");
    assertPublished("h", "silver");
    assertThat(ledger().read("runs").orElseThrow().select("status").collectAsList()).extracting(r -> r.getString(0))
        .containsExactlyInAnyOrder("RUNNING", "SUCCEEDED");
  }

  @Test
  void aRunEndTheLedgerCannotRecordExits4WithEveryBuildRecorded() {
    Cli.Outcome outcome = runWithFaults("fail:afterc:run-end:1");

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    assertThat(outcome.err()).contains("Cannot record the end of run").contains("Every build of the run is recorded with its outcome");
    assertPublished("b", "bronze");
    assertPublished("h", "silver");
    assertThat(buildsOf("b")).extracting(r -> r.getString(0)).containsExactly("PUBLISHED");
    assertThat(buildsOf("h")).extracting(r -> r.getString(0)).containsExactly("PUBLISHED");
  }
}

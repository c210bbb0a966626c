package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.Partition;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataProcess;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs in separate processes: two racing for one partition, and one killed with SIGKILL mid-build. */
@IntegrationTest
class ProcessSafetyTest {
  private static final Duration START = Duration.ofMinutes(3);
  @TempDir Path dir;

  @Test
  void twoRunsNeverBuildTheSamePartitionAtOnceButDisjointPartitionsProceed() throws IOException {
    Path wh = dir.resolve("wh");
    Path p =
        TinyPipeline.define(
            dir, "race",
            TinyPipeline.withBronze("race", "") + "  s:\n    layer: silver\n    inputs: [b]\n    sql: s.sql\n",
            "b.sql", TinyPipeline.BRONZE_SQL, "s.sql", "SELECT upper(id) AS id, as_of_date FROM b");
    TinyPipeline.landRaw(wh, "id,as_of_date\nr1,2024-01-01\nr2,2024-01-01\n");
    Files.createDirectories(wh.resolve("landing/raw/2024-01-02"));
    Files.writeString(wh.resolve("landing/raw/2024-01-02/raw.csv"), "id,as_of_date\nr3,2024-01-02\n");
    Path logs = dir.resolve("logs");

    StrataProcess first =
        StrataProcess.start(logs, "first", "pause:s:commit:300000", "run", p.toString(), "--date", "2024-01-01", "--warehouse", wh.toString());
    first.awaitOutput("strata-fault: paused s", START);
    Matcher id = Pattern.compile("Run (\\S+): pipeline race").matcher(first.stdout());
    assertThat(id.find()).as(first.toString()).isTrue();

    // Same table partition, no patience: refuses with exit 6 and names the run that holds it.
    StrataProcess refused =
        StrataProcess.start(
            logs, "refused", null, "run", p.toString(), "--date", "2024-01-01", "--warehouse", wh.toString(), "--tables", "s",
            "--lock-timeout", "0s");
    // Same partition, patient: waits for the first run, then builds.
    StrataProcess patient =
        StrataProcess.start(logs, "patient", null, "run", p.toString(), "--date", "2024-01-01", "--warehouse", wh.toString(), "--lock-timeout", "5m");
    // Another partition: proceeds while the first run holds 2024-01-01.
    StrataProcess other =
        StrataProcess.start(logs, "other", null, "run", p.toString(), "--date", "2024-01-02", "--warehouse", wh.toString(), "--lock-timeout", "0s");

    assertThat(refused.await(START)).as(refused.toString()).isEqualTo(6);
    assertThat(refused.stdout())
        .containsPattern("s +LOCKED")
        .contains("Cannot build 's' for 2024-01-01: run " + id.group(1) + " (host ");
    assertThat(other.await(START)).as(other.toString()).isZero();
    assertThat(first.isAlive()).as("the first run still holds its partition while the other partition was built").isTrue();
    assertThat(patient.isAlive()).as("the patient run waits while the first holds the partition").isTrue();
    Files.createFile(StrataProcess.releaseFile(logs));

    assertThat(first.await(START)).as(first.toString()).isZero();
    assertThat(patient.await(START)).as(patient.toString()).isZero();

    SparkSession spark = SparkTestSession.get();
    Dataset<Row> builds = new Ledger(spark, Warehouse.at(wh.toString())).read("builds").orElseThrow().where("table = 's'");
    Row firstBuild = builds.where("run_id = '" + id.group(1) + "'").head();
    Row patientBuild = builds.where("status = 'PUBLISHED' and partition = '2024-01-01' and run_id != '" + id.group(1) + "'").head();
    // The patient run built only after the first one had recorded its build.
    long patientStarted = patientBuild.<java.sql.Timestamp>getAs("recorded_at").getTime() - patientBuild.<Long>getAs("duration_ms");
    assertThat(patientStarted).isGreaterThanOrEqualTo(firstBuild.<java.sql.Timestamp>getAs("recorded_at").getTime());
    assertThat(spark.read().format("delta").load(wh.resolve("silver/s").toString()).where("as_of_date = '2024-01-01'").count()).isEqualTo(2);
    assertThat(wh.resolve("_strata/locks/race/s")).isEmptyDirectory();
  }

  @Test
  void aRunKilledMidBuildLeavesEverythingConsistentAndResumingConvergesToACleanRun() {
    LocalDate day = LocalDate.of(2024, 5, 1);
    Path killed = dir.resolve("killed");
    Path clean = dir.resolve("clean");
    for (Path wh : List.of(killed, clean)) {
      new BankingGenerator(new HadoopFiles(new Configuration()), 4).writeDay(wh.resolve("landing").toUri().toString(), day, 150, Defects.NONE);
    }
    assertThat(Cli.run("run", "banking", "--date", day.toString(), "--warehouse", clean.toString()).exit()).isZero();

    // Killed between the quarantine's commit and the table's: the most awkward moment of a build.
    StrataProcess run =
        StrataProcess.start(dir.resolve("logs"), "killed", "pause:stg_account:commit:120000",
            "run", "banking", "--date", day.toString(), "--warehouse", killed.toString());
    run.awaitOutput("strata-fault: paused stg_account", START);
    Matcher id = Pattern.compile("Run (\\S+): pipeline banking").matcher(run.stdout());
    assertThat(id.find()).isTrue();
    run.kill();

    SparkSession spark = SparkTestSession.get();
    Ledger ledger = new Ledger(spark, Warehouse.at(killed.toString()));
    // The unfinished run shows as such, never as a success; its finished builds are recorded.
    assertThat(ledger.runs("banking").get(0).running()).isTrue();
    assertThat(ledger.latestBuild("banking", "stg_customer", Partition.day(day)).orElseThrow().published()).isTrue();
    assertThat(ledger.latestBuild("banking", "stg_account", Partition.day(day))).isEmpty();
    // Its rows were written into the table's folder, never committed: files no log names, and no table.
    assertThat(killed.resolve("silver/stg_account/_delta_log")).doesNotExist();
    assertThat(dev.strata.jobs.io.DeltaTables.exists(spark, killed.resolve("silver/stg_account").toString())).isFalse();
    // A layer submitted on its own now refuses: its upstream never published.
    Cli.Outcome gold = Cli.run("run", "banking", "--date", day.toString(), "--warehouse", killed.toString(), "--layer", "gold");
    assertThat(gold.exit()).as(gold.toString()).isEqualTo(5);

    Cli.Outcome resumed = Cli.run("run", "banking", "--resume", id.group(1), "--warehouse", killed.toString());
    assertThat(resumed.exit()).as(resumed.toString()).isZero();
    // stg_account and its downstream (and snap_customer, unless it published before the kill).
    assertThat(resumed.out()).containsPattern("[45] of 8 table partitions still to build; the [34] it published are kept");
    assertThat(resumed.out()).doesNotContainPattern("customers_raw +PUBLISHED");

    for (var t : List.of(
        new String[] {"bronze", "customers_raw"}, new String[] {"bronze", "accounts_raw"}, new String[] {"silver", "stg_customer"},
        new String[] {"silver", "stg_account"}, new String[] {"silver", "int_account_with_customer"},
        new String[] {"silver", "snap_customer"}, new String[] {"gold", "account_summary"},
        new String[] {"gold", "customer_metrics"})) {
      Dataset<Row> a = spark.read().format("delta").load(killed.resolve(t[0] + "/" + t[1]).toString()).drop("_ingested_at", "_source_file");
      Dataset<Row> b = spark.read().format("delta").load(clean.resolve(t[0] + "/" + t[1]).toString()).drop("_ingested_at", "_source_file");
      assertThat(a.count()).as(t[1]).isEqualTo(b.count()).isPositive();
      assertThat(a.exceptAll(b).count() + b.exceptAll(a).count()).as(t[1] + " rows differ").isZero();
    }
  }
}

package dev.strata.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.RunRecord;
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
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata schedule} as a process of its own: its runs are recorded in the ledger as the
 * job's intervals, and SIGTERM lets the active run finish before the process ends. Plus what
 * {@code strata export} writes for cron and Airflow.
 */
@IntegrationTest
class ScheduleCommandTest {
  private static final Duration START = Duration.ofMinutes(3);

  @TempDir Path dir;

  private Path pipeline(String schedules) {
    return TinyPipeline.define(
        dir, "sched", TinyPipeline.withBronze("sched", schedules) + "  s:\n    layer: silver\n    inputs: [b]\n    sql: s.sql\n",
        "b.sql", TinyPipeline.BRONZE_SQL, "s.sql", "SELECT upper(id) AS id, as_of_date FROM b");
  }

  private void land(Path wh, LocalDate day) throws IOException {
    Path folder = wh.resolve("landing/raw/" + day);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("raw.csv"), "id,as_of_date\nr1," + day + "\n");
  }

  @Test
  void sigtermLetsTheActiveScheduledRunFinishAndTheLedgerRecordsItsInterval() throws IOException {
    // Every minute: the first tick runs the interval that closed last, whose partition is today
    // (or yesterday, just after midnight UTC): land both.
    Path p = pipeline("schedules:\n  minutely:\n    cron: \"* * * * *\"\n    timezone: UTC\n");
    Path wh = dir.resolve("wh");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    land(wh, today);
    land(wh, today.minusDays(1));
    Path logs = dir.resolve("logs");
    StrataProcess scheduler =
        StrataProcess.start(logs, "schedule", "pause:s:commit:240000", "schedule", "--pipelines", p.toString(), "--warehouse", wh.toString(),
            "--grace", "3m");
    scheduler.awaitOutput("sched.minutely: \\* \\* \\* \\* \\* \\(UTC\\), catchup false, max_active_runs 1; next run", START);
    scheduler.awaitOutput("strata-fault: paused s", START);

    // SIGTERM while the run is in the middle of building s: nothing new starts, the run finishes.
    scheduler.terminate();
    Files.createFile(StrataProcess.releaseFile(logs));
    scheduler.await(START);
    assertThat(scheduler.stdout()).as(scheduler.toString())
        .contains("sched.minutely: starting the run for")
        .contains("ended with exit code 0")
        .contains("strata schedule: stopped (SIGTERM); no run was active");

    Ledger ledger = new Ledger(SparkTestSession.get(), Warehouse.at(wh.toString()));
    List<RunRecord> runs = ledger.runs("sched");
    assertThat(runs).hasSize(1);
    RunRecord run = runs.get(0);
    assertThat(run.status()).isEqualTo(RunRecord.SUCCEEDED);
    assertThat(run.scope().trigger()).isEqualTo("schedule");
    assertThat(run.scope().schedule()).contains("sched.minutely");
    assertThat(ledger.finishedIntervals("sched").get("sched.minutely")).hasSize(1);
    assertThat(ledger.latestBuilds("sched")).filteredOn(u -> u.latest().published()).hasSize(2);
  }

  @Test
  void runScheduleBuildsTheIntervalThatClosedLastAndExportWritesCronAndAirflow() throws IOException {
    Path p = pipeline("""
        schedules:
          daily:
            cron: "0 6 * * *"
            timezone: Europe/Paris
            catchup: true
          bronze_hourly:
            cron: "15 * * * *"
            layer: bronze
            max_active_runs: 2
        """);
    Path wh = dir.resolve("wh");
    Cli.Outcome crontab = Cli.run("export", "crontab", p.toString(), "--warehouse", wh.toString(), "--strata", "/opt/strata/scripts/strata");
    assertThat(crontab.exit()).as(crontab.toString()).isZero();
    assertThat(crontab.out())
        .contains("STRATA_WAREHOUSE=" + Warehouse.at(wh.toString()).root())
        .contains("CRON_TZ=Europe/Paris\n0 6 * * * flock -n /tmp/strata-sched-daily.lock /opt/strata/scripts/strata run " + p + " --schedule daily")
        .contains("CRON_TZ=UTC\n15 * * * * /opt/strata/scripts/strata run " + p + " --schedule bronze_hourly");

    Cli.Outcome airflow = Cli.run("export", "airflow", p.toString(), "--warehouse", wh.toString());
    assertThat(airflow.exit()).as(airflow.toString()).isZero();
    assertThat(airflow.out())
        .contains("dag_id=\"sched_daily\"", "schedule=\"0 6 * * *\"", "tz=\"Europe/Paris\"", "catchup=True", "max_active_runs=1")
        .contains("task_id=\"strata_bronze\"", "task_id=\"strata_silver\"", "    bronze >> silver\n")
        .contains("\"--date\", \"{{ ds }}\", \"--layer\", \"bronze\"")
        .contains("dag_id=\"sched_bronze_hourly\"", "max_active_runs=2");

    Path plain = TinyPipeline.define(dir.resolve("plain"), "sched", TinyPipeline.withBronze("sched", ""), "b.sql", TinyPipeline.BRONZE_SQL);
    Cli.Outcome none = Cli.run("export", "crontab", plain.toString());
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err()).contains("declares no schedules");

    // Plain cron's command: the partition and layer come from the schedule; the ledger records the job.
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    land(wh, today);
    land(wh, today.minusDays(1));
    Cli.Outcome hourly = Cli.run("run", p.toString(), "--schedule", "bronze_hourly", "--warehouse", wh.toString());
    assertThat(hourly.exit()).as(hourly.toString()).isZero();
    Ledger ledger = new Ledger(SparkTestSession.get(), Warehouse.at(wh.toString()));
    RunRecord run = ledger.runs("sched").get(0);
    assertThat(run.scope().schedule()).contains("sched.bronze_hourly");
    assertThat(run.scope().layer()).contains("bronze");
    assertThat(ledger.latestBuilds("sched")).extracting(u -> u.unit().table()).containsExactly("b");

    Cli.Outcome unknown = Cli.run("run", p.toString(), "--schedule", "weekly", "--warehouse", wh.toString());
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("has no schedule 'weekly'", "[daily, bronze_hourly]");
  }
}

package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.BuildStatus;
import dev.strata.api.RunOutcome;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table built by a command Strata does not run itself: a POSIX shell script reads the input
 * Strata wrote for the partition and writes the table's rows, which are then gated (a quarantine
 * rule), accounted for and published like a transform's; its exit code, metrics (a JSON line on
 * its output and a metrics file) and log are in the ledger; a failing exit code fails the build
 * and keeps the published rows; a declared transient code is retried; a step past its timeout is
 * killed; a secret in its environment never reaches the failure message.
 */
@IntegrationTest
class ExternalStepTest {
  private static final String SCRIPT =
      """
      #!/bin/sh
      # The partition's readings, each with a score (its value times two). $STEP_CONTROL says how to misbehave.
      set -eu
      control="$(cat "$STEP_CONTROL" 2>/dev/null || true)"
      echo "scoring $STRATA_TABLE for $STRATA_PARTITION, attempt $STRATA_ATTEMPT of run $STRATA_RUN_ID"
      echo "connecting with token $API_TOKEN"
      case "$control" in
        exit:*) echo "the model service said no"; exit "${control#exit:}" ;;
        transient-once) if [ "$STRATA_ATTEMPT" = 1 ]; then echo "the model service is busy"; exit 75; fi ;;
        sleep) sleep 60 ;;
      esac
      out="$STRATA_OUTPUT/part-0.csv"
      printf 'reading_id,value,score\\n' > "$out"
      for f in "$STRATA_INPUT_READINGS_RAW"/*.csv; do
        awk -F, 'NR > 1 { print $1 "," $2 "," $2 * 2 }' "$f" >> "$out"
      done
      rows=$(( $(wc -l < "$out") - 1 ))
      echo "{\\"metrics\\": {\\"rows_scored\\": $rows, \\"model\\": \\"v1\\"}}"
      echo '{"metrics": {"from_file": true}}' > "$STRATA_METRICS_FILE"
      """;

  @TempDir Path dir;
  private StrataTestPipeline p;
  private Path control;

  @BeforeEach
  void define() throws IOException {
    control = dir.resolve("control");
    p = StrataTestPipeline.define(dir, "stepped", """
        pipeline: stepped
        sources:
          readings:
            path: landing/readings/{date}
            schema:
              reading_id: string
              value: int
              as_of_date: date
        tables:
          readings_raw:
            layer: bronze
            inputs: [readings]
            sql: readings_raw.sql
          scored:
            layer: silver
            inputs: [readings_raw]
            step:
              command: [./score.sh]
              format: csv
              schema: {reading_id: string, value: int, score: int}
              env: {STEP_CONTROL: "%s", API_TOKEN: s3cr3t-token-value}
              timeout: 4s
              transient_exit_codes: [75]
            retry: {max_attempts: 2, first_delay: 100ms}
            max_quarantine_ratio: 0.5
            rules:
              quarantine:
                - ColumnValues "score" <= 100
        """.formatted(control), "readings_raw.sql", "SELECT reading_id, value, as_of_date FROM readings");
    Path script = p.definition().resolve("score.sh");
    Files.writeString(script, SCRIPT);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    p.land("readings", "2024-01-01", "readings.csv", "reading_id,value,as_of_date\nr1,10,2024-01-01\nr2,20,2024-01-01\nr3,60,2024-01-01\n");
  }

  @Test
  void whatTheStepWroteIsGatedAndPublishedWithItsExitCodeMetricsAndLogInTheLedger() throws IOException {
    RunOutcome run = p.run("2024-01-01");

    // r3 scores 120: quarantined by the rule, like a transform's row; the accounting holds.
    assertThatBuild(run, "scored", "2024-01-01").isPublished().hasRows(3, 2, 1, 0);
    assertThat(p.rows("silver", "scored", "2024-01-01")).map(Row::toString).containsExactly("[r1,10,20]", "[r2,20,40]");
    Row build = build(run.runId());
    assertThat(build.<Integer>getAs("step_exit_code")).isZero();
    assertThat(build.<Integer>getAs("attempt")).isEqualTo(1);
    assertThat(build.getJavaMap(build.fieldIndex("step_metrics")))
        .containsEntry("rows_scored", "3").containsEntry("model", "\"v1\"").containsEntry("from_file", "true");
    String log = Files.readString(Path.of(build.<String>getAs("step_log").replaceFirst("^file:", "")));
    assertThat(log).contains("scoring scored for 2024-01-01, attempt 1 of run " + run.runId());
    // Nothing of the step is left in staging.
    assertThat(p.warehouse().resolve("_strata/staging/" + run.runId())).satisfiesAnyOf(
        s -> assertThat(s).doesNotExist(), s -> assertThat(Files.walk(s).filter(Files::isRegularFile)).isEmpty());
  }

  @Test
  void aFailingExitCodeFailsTheBuildKeepsThePublishedRowsAndNeverQuotesASecret() throws IOException {
    p.run("2024-01-01");
    Files.writeString(control, "exit:3");

    RunOutcome run = p.run("2024-01-01");

    assertThatBuild(run, "scored", "2024-01-01").hasStatus(BuildStatus.FAILED)
        .messageContains("The step of 'scored' for 2024-01-01 exited with code 3")
        .messageContains("the model service said no")
        .messageContains("connecting with token ***");
    assertThat(run.build("scored", StrataTestPipeline.day("2024-01-01")).orElseThrow().message()).doesNotContain("s3cr3t");
    // Not transient: one attempt, its exit code in the ledger; the rows published before stay.
    Row build = build(run.runId());
    assertThat(build.<Integer>getAs("step_exit_code")).isEqualTo(3);
    assertThat(build.<Integer>getAs("attempt")).isEqualTo(1);
    assertThat(build.<String>getAs("message")).doesNotContain("s3cr3t");
    assertThat(p.rows("silver", "scored", "2024-01-01")).hasSize(2);
  }

  @Test
  void aDeclaredTransientExitCodeIsRetriedAndAStepPastItsTimeoutIsKilled() throws IOException {
    Files.writeString(control, "transient-once");
    RunOutcome retried = p.run("2024-01-01");
    assertThatBuild(retried, "scored", "2024-01-01").isPublished().hasRows(3, 2, 1, 0);
    assertThat(build(retried.runId()).<Integer>getAs("attempt")).isEqualTo(2);

    Files.writeString(control, "sleep");
    long start = System.nanoTime();
    RunOutcome killed = p.run("2024-01-01");
    assertThatBuild(killed, "scored", "2024-01-01").hasStatus(BuildStatus.FAILED)
        .messageContains("was killed after running past its timeout of 4s");
    assertThat((System.nanoTime() - start) / 1e9).as("seconds the run took, the step sleeping 60").isLessThan(45);
    assertThat(build(killed.runId()).<Integer>getAs("step_exit_code")).isEqualTo(-1);
  }

  @Test
  void aProgramThatIsNotThereOrNotExecutableIsADefinitionError() throws IOException {
    Path yaml = p.definition().resolve("pipeline.yaml");
    Files.writeString(yaml, Files.readString(yaml).replace("[./score.sh]", "[./scorer.sh]"));
    Cli.Outcome missing = Cli.run("validate", p.definition().toString());
    assertThat(missing.exit()).as(missing.toString()).isEqualTo(2);
    assertThat(missing.err()).as(missing.toString()).containsPattern("pipeline.yaml:\\d+ tables.scored.step.command: no program ./scorer.sh");

    Files.writeString(yaml, Files.readString(yaml).replace("[./scorer.sh]", "[./score.sh]"));
    Files.setPosixFilePermissions(p.definition().resolve("score.sh"), PosixFilePermissions.fromString("rw-r--r--"));
    Cli.Outcome notExecutable = Cli.run("validate", p.definition().toString());
    assertThat(notExecutable.exit()).as(notExecutable.toString()).isEqualTo(2);
    assertThat(notExecutable.err()).as(notExecutable.toString()).contains("./score.sh is not executable; chmod +x");

    Files.writeString(yaml, Files.readString(yaml).replace("command: [./score.sh]", "command: ./score.sh"));
    Cli.Outcome notAList = Cli.run("validate", p.definition().toString());
    assertThat(notAList.exit()).isEqualTo(2);
    assertThat(notAList.err()).contains("tables.scored.step.command: a step needs its command as a list");
  }

  /** The ledger's record of the last attempt of {@code scored} in a run. */
  private Row build(String runId) {
    List<Row> rows = SparkTestSession.get().read().format("delta").load(p.warehouse().resolve("_strata/ledger/builds").toString())
        .where("run_id = '" + runId + "' AND table = 'scored'").orderBy(org.apache.spark.sql.functions.col("attempt").desc()).collectAsList();
    assertThat(rows).as("builds of scored in run %s", runId).isNotEmpty();
    return rows.get(0);
  }
}

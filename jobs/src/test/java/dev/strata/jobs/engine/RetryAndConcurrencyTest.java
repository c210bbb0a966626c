package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transient failures are retried with backoff and every attempt is in the ledger; deterministic
 * ones are not retried; independent tables build concurrently and a failure blocks only its own
 * downstream.
 */
class RetryAndConcurrencyTest {
  @TempDir Path dir;

  private Path chain(String name, int maxAttempts) {
    String yaml =
        TinyPipeline.withBronze(
                name, "defaults:\n  retry: {max_attempts: " + maxAttempts + ", first_delay: 20ms, multiplier: 2, max_delay: 1s}")
            + "  s:\n    layer: silver\n    inputs: [b]\n    sql: s.sql\n";
    Path p =
        TinyPipeline.define(
            dir, name, yaml, "b.sql", TinyPipeline.BRONZE_SQL, "s.sql", "SELECT upper(id) AS id, as_of_date FROM b");
    TinyPipeline.landRaw(dir.resolve("wh"), "id,as_of_date\nr1,2024-01-01\nr2,2024-01-01\n");
    return p;
  }


  private List<Row> builds(String table) {
    return new Ledger(SparkTestSession.get(), Warehouse.at(dir.resolve("wh").toString()))
        .read("builds").orElseThrow()
        .where("table = '" + table + "'").orderBy("attempt").collectAsList();
  }

  @Test
  void anIoErrorTwiceIsRetriedAndTheThirdAttemptPublishes() {
    Path p = chain("flaky", 3);
    Cli.Outcome outcome = Cli.runWithFaults("io-error:s:commit:2", "run", p.toString(), "--date", TinyPipeline.DAY, "--warehouse", dir.resolve("wh").toString());

    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out()).containsPattern("s +RETRYING +attempt 1 of 3 failed \\(java.io.IOException\\); transient, retrying in \\d+ms");
    List<Row> attempts = builds("s");
    assertThat(attempts).extracting(r -> r.<Integer>getAs("attempt")).containsExactly(1, 2, 3);
    assertThat(attempts).extracting(r -> r.<String>getAs("status")).containsExactly("FAILED", "FAILED", "PUBLISHED");
    assertThat(attempts.get(0).<String>getAs("error_class")).isEqualTo("java.io.IOException");
    assertThat(attempts.get(1).<String>getAs("message")).contains("injected fault 2 of 2", "attempt 2 of 3, retrying in");
    assertThat(attempts.get(2).<String>getAs("error_class")).isNull();
    assertThat(SparkTestSession.get().read().format("delta").load(dir.resolve("wh/silver/s").toString()).count()).isEqualTo(2);
  }

  @Test
  void retriesStopAtMaxAttemptsAndTheBuildFails() {
    Path p = chain("flakier", 2);
    Cli.Outcome outcome = Cli.runWithFaults("io-error:s:commit:5", "run", p.toString(), "--date", TinyPipeline.DAY, "--warehouse", dir.resolve("wh").toString());

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    assertThat(builds("s")).extracting(r -> r.<String>getAs("status")).containsExactly("FAILED", "FAILED");
    assertThat(dir.resolve("wh/silver/s")).doesNotExist();
  }

  @Test
  void deterministicFailuresAreNotRetriedAndSiblingsFinish() {
    Path p =
        TinyPipeline.define(
            dir,
            "siblings",
            TinyPipeline.withBronze("siblings", "defaults:\n  retry: {max_attempts: 3, first_delay: 20ms}")
                + """
              s1:
                layer: silver
                inputs: [b]
                transform: dev.strata.jobs.testing.ExplodingTransform
              s2:
                layer: silver
                inputs: [b]
                sql: s2.sql
              g1:
                layer: gold
                inputs: [s1]
                sql: g1.sql
              g2:
                layer: gold
                inputs: [s2]
                sql: g2.sql
            """,
            "b.sql", TinyPipeline.BRONZE_SQL,
            "s2.sql", "SELECT id, as_of_date FROM b",
            "g1.sql", "SELECT id, as_of_date FROM s1",
            "g2.sql", "SELECT id, as_of_date FROM s2");
    TinyPipeline.landRaw(dir.resolve("wh"), "id,as_of_date\nr1,2024-01-01\n");

    // s2 lingers before its commit, so that s1 fails while s2 is still building.
    Cli.Outcome outcome = Cli.runWithFaults("pause:s2:commit:4000", "run", p.toString(), "--date", TinyPipeline.DAY, "--warehouse", dir.resolve("wh").toString());

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    Map<String, Row> last =
        List.of("b", "s1", "s2", "g1", "g2").stream()
            .collect(Collectors.toMap(Function.identity(), t -> builds(t).get(builds(t).size() - 1)));
    assertThat(builds("s1")).hasSize(1);
    assertThat(last.get("s1").<String>getAs("status")).isEqualTo("FAILED");
    assertThat(last.get("s1").<String>getAs("message")).contains("boom");
    assertThat(last.get("g1").<String>getAs("status")).isEqualTo("SKIPPED");
    assertThat(last.get("s2").<String>getAs("status")).isEqualTo("PUBLISHED");
    assertThat(last.get("g2").<String>getAs("status")).isEqualTo("PUBLISHED");
    // s1 failed while s2 was building: they ran at the same time.
    Timestamp s1Done = last.get("s1").getAs("recorded_at");
    Timestamp s2Done = last.get("s2").getAs("recorded_at");
    long s2Started = s2Done.getTime() - last.get("s2").<Long>getAs("duration_ms");
    assertThat(s1Done.getTime()).isBetween(s2Started, s2Done.getTime());
  }
}

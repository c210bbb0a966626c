package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataTestPipeline.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backfill is a stored plan: a dry run prints it, a failing partition spares the others, re-issuing resumes. */
class BackfillTest {
  @TempDir Path dir;

  /** raw -> b -> s, as pipeline "bf", whose silver refuses amounts at or below {@code minimum}. */
  private Path define(String minimum) {
    return StrataTestPipeline.of("three_layer", dir)
        .with("pipeline", "bf")
        .with("tables.g", null)
        .with("tables.s.rules", map("error", List.of("ColumnValues \"amount\" > " + minimum)))
        .definition();
  }

  private Cli.Outcome backfill(Path p, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("backfill", p.toString(), "--from", "2024-01-01", "--to", "2024-01-03", "--warehouse", dir.resolve("wh").toString()));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void aBackfillIsPlannedGatedPerPartitionAndResumedWhenIssuedAgain() throws IOException {
    for (String day : List.of("2024-01-01", "2024-01-02", "2024-01-03")) {
      Path folder = dir.resolve("wh/landing/raw/" + day);
      Files.createDirectories(folder);
      Files.writeString(folder.resolve("raw.csv"), "id,amount,as_of_date\nr1," + (day.endsWith("2") ? "-1" : "5") + "," + day + "\n");
    }
    Path p = define("0");

    Cli.Outcome dry = backfill(p, "--dry-run");
    assertThat(dry.exit()).as(dry.toString()).isZero();
    assertThat(dry.out())
        .containsPattern("Backfill bf-[0-9a-f]{10} of bf: 2 tables x 3 partitions \\(2024-01-01..2024-01-03\\) = 6 units; 6 to build.")
        .containsPattern("  s +3 to build: 2024-01-01..2024-01-03")
        .contains("Dry run: nothing was built or stored.");
    assertThat(dir.resolve("wh/_strata/ledger")).doesNotExist();

    // One bad partition: its silver is blocked, the other partitions publish.
    Cli.Outcome first = backfill(p, "--parallelism", "2");
    assertThat(first.exit()).as(first.toString()).isEqualTo(3);
    assertThat(first.out()).containsPattern("2024-01-02  silver  s +BLOCKED").containsPattern("2024-01-03  silver  s +PUBLISHED");
    String runs = new Ledger(SparkTestSession.get(), Warehouse.at(dir.resolve("wh").toString())).runs("bf").get(0).scope().trigger();
    assertThat(runs).isEqualTo("backfill");

    // The rule is corrected; issued again, the backfill builds only what it has not published.
    p = define("-5");
    Cli.Outcome resumed = backfill(p);
    assertThat(resumed.exit()).as(resumed.toString()).isZero();
    assertThat(resumed.out())
        .contains("5 already published since, 1 to build.")
        .containsPattern("  b +nothing to build")
        .containsPattern("2024-01-02  silver  s +PUBLISHED")
        .doesNotContainPattern("2024-01-01  silver");

    Cli.Outcome done = backfill(p);
    assertThat(done.exit()).isZero();
    assertThat(done.out()).contains("Nothing left to build: every unit of this backfill is published.");

    Cli.Outcome forced = backfill(p, "--force");
    assertThat(forced.exit()).isZero();
    assertThat(forced.out()).contains("0 already published since, 6 to build.");
  }
}

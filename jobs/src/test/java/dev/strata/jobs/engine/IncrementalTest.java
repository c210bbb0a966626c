package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run without dates builds only what is out of date: partitions with new or changed landing
 * files, and downstream partitions whose inputs published since they last built.
 */
class IncrementalTest {
  @TempDir Path dir;

  private Path wh() {
    return dir.resolve("wh");
  }

  private void land(String day, String file, String csv) throws IOException {
    Path folder = wh().resolve("landing/raw/" + day);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve(file), csv);
  }

  private Cli.Outcome run(Path p, String... extra) {
    List<String> args = new ArrayList<>(List.of("run", p.toString(), "--warehouse", wh().toString()));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  private Dataset<Row> builds() {
    return new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString())).read("builds").orElseThrow();
  }

  private long rows(String layer, String table, String day) {
    return SparkTestSession.get().read().format("delta").load(wh().resolve(layer + "/" + table).toString())
        .where("as_of_date = '" + day + "'").count();
  }

  @Test
  void onlyNewOrChangedLandingPartitionsAndWhatReadsThemAreBuilt() throws IOException {
    Path p =
        TinyPipeline.define(
            dir, "inc", TinyPipeline.withBronze("inc", "") + "  s:\n    layer: silver\n    inputs: [b]\n    sql: s.sql\n",
            "b.sql", TinyPipeline.BRONZE_SQL, "s.sql", "SELECT upper(id) AS id, as_of_date FROM b");
    land("2024-01-01", "a.csv", "id,as_of_date\nr1,2024-01-01\n");
    land("2024-01-02", "a.csv", "id,as_of_date\nr2,2024-01-02\n");

    Cli.Outcome first = run(p);
    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(first.out())
        .contains("landing: raw 2024-01-01: never ingested (1 file)", "landing: raw 2024-01-02: never ingested (1 file)")
        .contains("Incremental run: 4 table partitions are out of date, over 2024-01-01..2024-01-02.");
    assertThat(builds().count()).isEqualTo(4);

    Cli.Outcome idle = run(p);
    assertThat(idle.exit()).isZero();
    assertThat(idle.out()).contains("Nothing to do: no landing file is new or changed");
    assertThat(builds().count()).isEqualTo(4);

    // A late file for one day: that day alone is ingested again, with what reads it.
    land("2024-01-02", "b.csv", "id,as_of_date\nr3,2024-01-02\n");
    Cli.Outcome late = run(p);
    assertThat(late.exit()).as(late.toString()).isZero();
    assertThat(late.out()).contains("landing: raw 2024-01-02: 1 new file").doesNotContain("raw 2024-01-01");
    assertThat(builds().where("partition = '2024-01-01'").count()).isEqualTo(2);
    assertThat(builds().where("partition = '2024-01-02'").count()).isEqualTo(4);
    assertThat(rows("silver", "s", "2024-01-02")).isEqualTo(2);

    // A file rewritten after it was ingested is reported, and its partition ingested again.
    land("2024-01-01", "a.csv", "id,as_of_date\nr1,2024-01-01\nr4,2024-01-01\n");
    Cli.Outcome changed = run(p);
    assertThat(changed.out()).containsPattern("landing: raw 2024-01-01: 1 file changed after run \\S+ ingested it \\(a.csv\\)");
    assertThat(rows("silver", "s", "2024-01-01")).isEqualTo(2);

    // Layers submitted one at a time: silver builds what bronze published since silver last built.
    land("2024-01-03", "a.csv", "id,as_of_date\nr5,2024-01-03\n");
    Cli.Outcome bronze = run(p, "--layer", "bronze");
    assertThat(bronze.out()).containsPattern(" b +PUBLISHED").doesNotContainPattern(" s +PUBLISHED");
    Cli.Outcome silver = run(p, "--layer", "silver");
    assertThat(silver.exit()).as(silver.toString()).isZero();
    assertThat(silver.out()).contains("Incremental run: 1 table partition is out of date, over 2024-01-03.");
    assertThat(rows("silver", "s", "2024-01-03")).isEqualTo(1);

    Cli.Outcome full = run(p, "--full-refresh");
    assertThat(full.exit()).isZero();
    assertThat(full.out()).contains("Full refresh: every table, over the 3 partitions the sources have files for (2024-01-01..2024-01-03).");
    assertThat(builds().where("partition = '2024-01-03' and table = 's'").count()).isEqualTo(2);
    assertThat(run(p, "--full-refresh", "--date", "2024-01-01").err()).contains("--full-refresh finds its own partitions");
  }
}

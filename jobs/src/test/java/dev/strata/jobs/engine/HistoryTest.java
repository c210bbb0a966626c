package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.BuildStatus;
import dev.strata.api.RunOutcome;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An SCD2 history table: versions opened, closed and soft-deleted by snapshots, read as of a day. */
@IntegrationTest
class HistoryTest {
  @TempDir Path dir;

  private Path wh() {
    return dir.resolve("wh");
  }

  private void land(String day, String... rows) throws IOException {
    Path folder = wh().resolve("landing/raw/" + day);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("raw.csv"), "id,name,as_of_date\n" + String.join("\n", rows) + "\n");
  }

  private Cli.Outcome run(Path p, String... extra) {
    List<String> args = new ArrayList<>(List.of("run", p.toString(), "--warehouse", wh().toString()));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  private List<String> history() {
    return SparkTestSession.get().read().format("delta").load(wh().resolve("silver/h").toString())
        .orderBy("id", "valid_from")
        .selectExpr("concat_ws(' ', id, name, valid_from, coalesce(cast(valid_to as string), '-'), is_current, is_deleted)")
        .collectAsList().stream().map(r -> r.getString(0)).toList();
  }

  private List<String> gold(String day) {
    return SparkTestSession.get().read().format("delta").load(wh().resolve("gold/g").toString())
        .where("as_of_date = DATE'" + day + "'").orderBy("id").selectExpr("concat(id, ' ', name)")
        .collectAsList().stream().map(r -> r.getString(0)).toList();
  }

  private long version() {
    return DeltaTable.forPath(SparkTestSession.get(), wh().resolve("silver/h").toString()).history(1).head().getAs("version");
  }

  @Test
  void snapshotsOpenCloseAndDeleteVersionsAndReRunsAreIdempotent() throws IOException {
    StrataTestPipeline pipeline = StrataTestPipeline.of("history", dir);
    Path p = pipeline.definition();
    land("2024-01-01", "r1,Ann,2024-01-01", "r2,Bob,2024-01-01");
    land("2024-01-02", "r1,Ann,2024-01-02", "r2,Bobby,2024-01-02", "r3,Cy,2024-01-02");
    land("2024-01-03", "r1,Ann,2024-01-03", "r3,Cy,2024-01-03");

    RunOutcome all = pipeline.run("2024-01-01", "2024-01-03");
    assertThat(all.status()).as(all.toString()).isEqualTo(BuildStatus.PUBLISHED);
    assertThat(history())
        .containsExactly(
            "r1 Ann 2024-01-01 - true false",
            "r2 Bob 2024-01-01 2024-01-02 false false",
            "r2 Bobby 2024-01-02 2024-01-03 false true",
            "r3 Cy 2024-01-02 - true false");
    assertThat(gold("2024-01-01")).containsExactly("r1 Ann", "r2 Bob");
    assertThat(gold("2024-01-02")).containsExactly("r1 Ann", "r2 Bobby", "r3 Cy");
    assertThat(gold("2024-01-03")).containsExactly("r1 Ann", "r3 Cy");

    // The latest snapshot again: nothing changes, and nothing is committed.
    long before = version();
    assertThatBuild(pipeline.run("2024-01-03"), "h", "2024-01-03")
        .isPublished()
        .messageContains("unchanged: the history already holds this snapshot, no new commit");
    assertThat(version()).isEqualTo(before);
    assertThat(history()).hasSize(4);

    // An earlier date again, unchanged: nothing to do either.
    assertThat(run(p, "--date", "2024-01-01").exit()).isZero();
    assertThat(version()).isEqualTo(before);

    // A corrected snapshot for an earlier day would recompute the history after it: not alone...
    land("2024-01-02", "r1,Ann,2024-01-02", "r2,Bobby,2024-01-02", "r3,Cyrus,2024-01-02");
    assertThatBuild(pipeline.run("2024-01-02"), "h", "2024-01-02")
        .hasStatus(BuildStatus.FAILED)
        .messageContains("the snapshot differs from what the history says for that day, and the history goes on to 2024-01-03")
        .messageContains("strata backfill <pipeline> --from 2024-01-02 --to 2024-01-03 --tables h+ --force");
    assertThat(version()).isEqualTo(before);
    // ... but with every later day, in order: the history is recomputed from that day on.
    Cli.Outcome backfill =
        Cli.run("backfill", p.toString(), "--from", "2024-01-02", "--to", "2024-01-03", "--tables", "h+", "--force", "--warehouse", wh().toString());
    assertThat(backfill.exit()).as(backfill.toString()).isZero();
    List<String> corrected =
        List.of(
            "r1 Ann 2024-01-01 - true false",
            "r2 Bob 2024-01-01 2024-01-02 false false",
            "r2 Bobby 2024-01-02 2024-01-03 false true",
            "r3 Cyrus 2024-01-02 2024-01-03 false false",
            "r3 Cy 2024-01-03 - true false");
    assertThat(history()).containsExactlyElementsOf(corrected);
    assertThat(gold("2024-01-02")).containsExactly("r1 Ann", "r2 Bobby", "r3 Cyrus");

    Cli.Outcome refresh = run(p, "--full-refresh");
    assertThat(refresh.exit()).isEqualTo(2);
    assertThat(refresh.err()).contains("[h] keeps history (SCD2)", "Add --force");
    Cli.Outcome forced = run(p, "--full-refresh", "--force");
    assertThat(forced.exit()).as(forced.toString()).isZero();
    assertThat(history()).containsExactlyElementsOf(corrected);

    // A snapshot with a key twice would leave two current versions: the gate blocks it.
    land("2024-01-04", "r1,Ann,2024-01-04", "r1,Anne,2024-01-04");
    assertThatBuild(pipeline.run("2024-01-04"), "h", "2024-01-04")
        .isBlockedBy("History: one current version per key")
        .messageContains("1 key has more than one current version (expected one per key)");
    assertThat(history()).hasSize(5);
  }
}

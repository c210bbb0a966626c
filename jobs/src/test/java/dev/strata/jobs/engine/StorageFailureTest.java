package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.jobs.testing.WarehouseState;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warehouse's storage failing under a run, for real: a write that fails in the middle of a
 * build's Spark job, and a full disk. Each leaves every table as it was, exits 4 with the path,
 * and the ledger either records the run's end or was never written.
 */
@IntegrationTest
class StorageFailureTest {
  /** CI sets it: the full-disk test mounts a small tmpfs, which needs root, and must not be skipped there. */
  private static final boolean REQUIRE_MOUNT = Boolean.getBoolean("strata.requireMount");

  @TempDir Path dir;

  private Path pipeline() {
    return TinyPipeline.define(dir, "store", TinyPipeline.withBronze("store", ""), "b.sql", TinyPipeline.BRONZE_SQL);
  }

  private static void land(Path warehouse, String day) throws IOException {
    Path folder = warehouse.resolve("landing/raw/" + day);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("raw.csv"), "id,as_of_date\nr1," + day + "\nr2," + day + "\n");
  }

  /** The pipeline, with 2024-01-01 published and 2024-01-02 landed in {@code wh}. */
  private Path firstDayPublished(Path wh) throws IOException {
    Path pipeline = pipeline();
    land(wh, "2024-01-01");
    land(wh, "2024-01-02");
    assertThat(run(pipeline, wh, "2024-01-01").exit()).isZero();
    return pipeline;
  }

  private static Cli.Outcome run(Path pipeline, Path warehouse, String day) {
    return Cli.run("run", pipeline.toString(), "--date", day, "--warehouse", warehouse.toString());
  }

  @Test
  void aWriteThatFailsInTheMiddleOfABuildPublishesNothingAndTheRunIsRecordedAsEnded() throws IOException {
    Path wh = dir.resolve("wh");
    Path pipeline = firstDayPublished(wh);
    // Where the day's data files go, a file stands: every task writing there fails, as on a
    // storage that refuses the folder.
    Files.writeString(wh.resolve("bronze/b/as_of_date=2024-01-02"), "not a folder");
    WarehouseState before = WarehouseState.of(wh);

    Cli.Outcome outcome = run(pipeline, wh, "2024-01-02");

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
    assertThat(outcome.out()).containsPattern("b +FAILED").contains("Cannot build 'b' for 2024-01-02").contains("as_of_date=2024-01-02");
    WarehouseState.of(wh).assertDataSameAs(before, "after a failed write");
    Ledger ledger = new Ledger(SparkTestSession.get(), Warehouse.at(wh.toString()));
    List<Row> builds = ledger.read("builds").orElseThrow().where(col("partition").equalTo("2024-01-02")).select("status").collectAsList();
    assertThat(builds).isNotEmpty().allSatisfy(r -> assertThat(r.getString(0)).isEqualTo("FAILED"));
    List<Row> runs = ledger.read("runs").orElseThrow().orderBy("recorded_at").select("status", "exit_code").collectAsList();
    assertThat(runs.get(runs.size() - 1).getString(0)).isEqualTo("FAILED");
    assertThat(runs.get(runs.size() - 1).getInt(1)).isEqualTo(4);
  }

  @Test
  void aFullDiskExits4AtOnceWithThePathAndLeavesTheWarehouseAsItWas() throws Exception {
    onTmpfs("6m", wh -> {
      Path pipeline = firstDayPublished(wh);
      Path filler = wh.resolve("filler");
      fill(filler);
      WarehouseState before = WarehouseState.of(wh);
      before.files().remove("filler");

      Cli.Outcome outcome = run(pipeline, wh, "2024-01-02");

      assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
      assertThat(outcome.err()).contains("No space left on device").contains("the warehouse's storage refused it")
          .contains("free space").doesNotContain("attempt 2");
      Files.delete(filler);
      // The ledger's failed append may leave a partial data file no Delta log names (invisible to
      // readers): the ledger's versions and rows are as they were, the tables' files too.
      WarehouseState after = WarehouseState.of(wh);
      assertThat(after.tables()).as("every Delta table's version and rows, ledger included").isEqualTo(before.tables());
      after.assertDataSameAs(before, "after a full disk");
      // Once there is space again, the same command works.
      Cli.Outcome again = run(pipeline, wh, "2024-01-02");
      assertThat(again.exit()).as(again.toString()).isZero();
    });
  }

  @Test
  void aReadOnlyWarehouseExits4WithThePathAndChangesNothing() throws Exception {
    onTmpfs("16m", wh -> {
      Path pipeline = firstDayPublished(wh);
      assertThat(exec("mount", "-o", "remount,ro", wh.toString())).as("remount read-only").isZero();
      WarehouseState before = WarehouseState.of(wh);

      Cli.Outcome outcome = run(pipeline, wh, "2024-01-02");

      assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(4);
      assertThat(outcome.err()).contains("Read-only file system").contains(wh.toString()).contains("writable");
      WarehouseState.of(wh).assertSameAs(before, "on a read-only warehouse");
    });
  }

  /** What runs against a warehouse. */
  private interface WarehouseBody {
    void accept(Path warehouse) throws Exception;
  }

  /**
   * Runs {@code body} on a warehouse that is a tmpfs of {@code size} of its own (a real file
   * system that can fill up or turn read-only), unmounted afterwards.
   */
  private void onTmpfs(String size, WarehouseBody body) throws Exception {
    Path wh = dir.resolve("wh");
    Files.createDirectories(wh);
    boolean mounted = exec("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", wh.toString()) == 0;
    assumeTrue(mounted || REQUIRE_MOUNT, "mounting a tmpfs needs root; CI runs it (STRATA_REQUIRE_MOUNT=true)");
    assertThat(mounted).as("mount a tmpfs at " + wh).isTrue();
    try {
      body.accept(wh);
    } finally {
      exec("umount", "-l", wh.toString());
    }
  }

  /** Writes zeros to {@code file} until the file system is full. */
  private static void fill(Path file) {
    byte[] block = new byte[64 * 1024];
    try (var out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      assertThat(full.getMessage()).contains("No space left on device");
    }
  }

  private static int exec(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }
}

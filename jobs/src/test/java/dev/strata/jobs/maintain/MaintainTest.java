package dev.strata.jobs.maintain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.Partition;
import dev.strata.jobs.cli.ExitCodes;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PartitionLocks;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.MaintenanceRecord;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.Tables;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata maintain} on a real warehouse: a partition of 30 small files compacted into one
 * with the same rows, the files a killed build left removed once older than the retention (and
 * nothing a reader of a version within it needs), a partition under another run's lease left
 * alone, retention of quarantine, staging and reports, and every action in the ledger.
 */
@IntegrationTest
class MaintainTest {
  private static final LocalDate DAY = LocalDate.parse(TinyPipeline.DAY);

  @TempDir Path dir;

  private Path pipeline(String retention) {
    return TinyPipeline.define(dir, "kept", TinyPipeline.withBronze("kept", retention) + """
          s:
            layer: silver
            inputs: [b]
            sql: s.sql
            zorder_by: [id]
            rules:
              quarantine:
                - ColumnValues "id" >= 0
        """, "b.sql", TinyPipeline.BRONZE_SQL,
        "s.sql", "SELECT CAST(id AS INT) AS id, CAST(as_of_date AS DATE) AS as_of_date FROM b");
  }

  private Path wh() {
    return dir.resolve("wh");
  }

  private void land(int rows, int negative) throws IOException {
    Path folder = wh().resolve("landing/raw/" + TinyPipeline.DAY);
    Files.createDirectories(folder);
    StringBuilder csv = new StringBuilder("id,as_of_date\n");
    for (int i = 0; i < rows; i++) {
      csv.append(i < negative ? -1 - i : i).append(',').append(TinyPipeline.DAY).append('\n');
    }
    Files.writeString(folder.resolve("raw.csv"), csv);
  }

  private Cli.Outcome cli(Path pipeline, String command, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of(command, pipeline.toString(), "--warehouse", wh().toString()));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  /** Rewrites a partition of the silver table as {@code n} files holding the same rows: what many small overwrites leave. */
  private void scatter(Tables tables, int n) {
    String path = tables.path("silver", "s");
    SparkTestSession.get().read().format("delta").load(path).where("as_of_date = DATE'" + DAY + "'").repartition(n)
        .write().format("delta").mode(SaveMode.Overwrite).option("replaceWhere", "as_of_date = DATE'" + DAY + "'").save(path);
  }

  private List<MaintenanceRecord> records(String action) {
    return new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString())).maintenance("kept").stream()
        .filter(r -> r.action().equals(action)).toList();
  }

  @Test
  void compactsAPartitionOfSmallFilesRemovesWhatAKilledBuildLeftAndKeepsWhatReadersNeed() throws IOException {
    Path pipeline = pipeline("");
    Tables tables = new Tables(wh());
    land(300, 0);
    assertThat(cli(pipeline, "run", "--date", TinyPipeline.DAY).exit()).isZero();
    List<String> firstVersion = SparkTestSession.sortedRows(SparkTestSession.get().read().format("delta").option("versionAsOf", 0)
        .load(tables.path("silver", "s")));
    assertThat(cli(pipeline, "run", "--date", TinyPipeline.DAY).exit()).isZero();
    scatter(tables, 30);
    List<String> rows = tables.rows("silver", "s", DAY);
    assertThat(tables.files("silver", "s", DAY)).hasSize(30);
    // What a build killed between writing its files and committing them leaves in the table's
    // folder: one from 8 days ago (older than the retention) and one from a build in flight now.
    Path partition = wh().resolve("silver/s/as_of_date=" + TinyPipeline.DAY);
    Path someFile;
    try (Stream<Path> files = Files.list(partition)) {
      someFile = files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Path old = Files.copy(someFile, partition.resolve("part-00000-killed-build-old.c000.snappy.parquet"));
    Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(8))));
    Path inFlight = Files.copy(someFile, partition.resolve("part-00000-build-in-flight.c000.snappy.parquet"));

    Cli.Outcome dry = cli(pipeline, "maintain", "--dry-run");
    assertThat(dry.exit()).as(dry.toString()).isZero();
    assertThat(dry.out()).containsPattern("optimize +s +2024-01-01 +compact 30 files, .*ZORDER BY id")
        .containsPattern("vacuum +s +remove its files its log no longer names, older than 7d")
        .contains("Dry run:");
    assertThat(tables.files("silver", "s", DAY)).hasSize(30);
    assertThat(old).exists();
    assertThat(records("optimize")).isEmpty();

    Cli.Outcome maintained = cli(pipeline, "maintain");
    assertThat(maintained.exit()).as(maintained.toString()).isZero();
    assertThat(maintained.out()).containsPattern("optimize +s +2024-01-01 +30 files, .* -> 1 file, clustered by \\[id\\]")
        .containsPattern("Maintenance \\S+ done: \\d+ actions, 0 skipped, 0 failed");
    assertThat(tables.files("silver", "s", DAY)).hasSize(1);
    assertThat(tables.rows("silver", "s", DAY)).isEqualTo(rows);
    assertThat(old).doesNotExist();
    assertThat(inFlight).exists();
    // Time travel within the retention: the first version's files, replaced by the second run, are still there.
    assertThat(SparkTestSession.sortedRows(SparkTestSession.get().read().format("delta").option("versionAsOf", 0)
        .load(tables.path("silver", "s")))).isEqualTo(firstVersion);

    MaintenanceRecord optimized = records("optimize").stream().filter(r -> r.table().equals("s")).findFirst().orElseThrow();
    assertThat(optimized.status()).isEqualTo(MaintenanceRecord.DONE);
    assertThat(optimized.partition()).isEqualTo(TinyPipeline.DAY);
    assertThat(optimized.filesRemoved()).isEqualTo(30);
    assertThat(optimized.filesAdded()).isEqualTo(1);
    MaintenanceRecord vacuumed = records("vacuum").stream().filter(r -> r.target().endsWith("silver/s")).findFirst().orElseThrow();
    assertThat(vacuumed.filesRemoved()).isEqualTo(1);
    assertThat(records("compact_ledger")).hasSize(1);

    // Nothing published since: nothing to compact the second time.
    Cli.Outcome again = cli(pipeline, "maintain");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).doesNotContainPattern("optimize +s ");
    assertThat(records("optimize").stream().filter(r -> r.table().equals("s"))).hasSize(1);
  }

  @Test
  void aPartitionAnotherRunHoldsIsLeftAloneAndCompactedByTheNextMaintenance() throws IOException {
    Path pipeline = pipeline("");
    Tables tables = new Tables(wh());
    land(100, 0);
    assertThat(cli(pipeline, "run", "--date", TinyPipeline.DAY).exit()).isZero();
    scatter(tables, 12);
    try (PartitionLocks lease = new PartitionLocks(SparkTestSession.get().sparkContext().hadoopConfiguration(),
        Warehouse.at(wh().toString()), "kept", "20240101T000000Z-abcdef", Clock.systemUTC())) {
      lease.acquire("s", Partition.day(DAY), Duration.ZERO);
      Cli.Outcome held = cli(pipeline, "maintain");
      assertThat(held.exit()).as(held.toString()).isZero();
      assertThat(held.out()).containsPattern("optimize +s +2024-01-01 +SKIPPED: under lease: .*20240101T000000Z-abcdef")
          .containsPattern("done: \\d+ actions, 1 skipped, 0 failed");
      assertThat(tables.files("silver", "s", DAY)).hasSize(12);
    }
    assertThat(records("optimize").stream().filter(r -> r.table().equals("s")).map(MaintenanceRecord::status))
        .containsExactly(MaintenanceRecord.SKIPPED);
    // Run as a schedule's interval (job: maintain): the ledger knows the interval ran, so a restarted scheduler does not repeat it.
    Cli.Outcome released = cli(pipeline, "maintain", "--scheduled", "kept.nightly@2024-01-02T03:00:00Z");
    assertThat(released.exit()).as(released.toString()).isZero();
    assertThat(new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString())).finishedIntervals("kept"))
        .containsEntry("kept.nightly", new java.util.TreeSet<>(List.of(Instant.parse("2024-01-02T03:00:00Z"))));
    assertThat(released.out()).containsPattern("optimize +s +2024-01-01 +12 files, .* -> 1 file");
    assertThat(tables.files("silver", "s", DAY)).hasSize(1);
  }

  @Test
  void quarantineStagingAndReportsOlderThanTheirRetentionGoTheRestStays() throws IOException {
    Path folder = pipeline("retention: {staging: 2d, reports: 5d, quarantine: 3d}");
    land(100, 4);
    Cli.Outcome quarantined = cli(folder, "run", "--date", TinyPipeline.DAY);
    assertThat(quarantined.exit()).as(quarantined.toString()).isZero();
    Warehouse warehouse = Warehouse.at(wh().toString());
    Ledger ledger = new Ledger(SparkTestSession.get(), warehouse);
    String runId = ledger.runs("kept").get(0).runId();
    // A blocked build's staging folder, as a run whose gate blocked keeps it.
    Path staging = Path.of(java.net.URI.create(warehouse.stagingRoot(runId) + "/s/" + TinyPipeline.DAY));
    Files.createDirectories(staging);
    Files.writeString(staging.resolve("part-0.parquet"), "rows the gate blocked");
    Path report = Path.of(java.net.URI.create(warehouse.reportDir(runId)));
    assertThat(report.resolve("quality.json")).exists();
    Path quarantine = Path.of(java.net.URI.create(warehouse.quarantinePath("s")));
    assertThat(SparkTestSession.get().read().format("delta").load(quarantine.toString()).count()).isEqualTo(4);

    Pipeline pipeline = PipelineValidator.validateOrThrow(folder.resolve("pipeline.yaml"), "kept");
    // Two and a half days later: the staging folder is past its 2 days, the rest is not.
    List<Maintenance.Outcome> first = maintain(pipeline, warehouse, Duration.ofHours(60));
    assertThat(first).filteredOn(o -> o.action().kind() == Maintenance.Kind.REMOVE_STAGING).hasSize(1);
    assertThat(first).noneMatch(o -> o.action().kind() == Maintenance.Kind.REMOVE_REPORT || o.action().kind() == Maintenance.Kind.EXPIRE_QUARANTINE);
    assertThat(staging).doesNotExist();
    assertThat(report).exists();
    // Four days later: the quarantine partition (3 days) goes, the report (5 days) stays.
    List<Maintenance.Outcome> second = maintain(pipeline, warehouse, Duration.ofDays(4));
    assertThat(second).filteredOn(o -> o.action().kind() == Maintenance.Kind.EXPIRE_QUARANTINE)
        .singleElement().satisfies(o -> {
          assertThat(o.status()).isEqualTo(MaintenanceRecord.DONE);
          assertThat(o.action().partition()).isEqualTo(Partition.day(DAY));
          assertThat(o.message()).contains("4 rows");
        });
    assertThat(SparkTestSession.get().read().format("delta").load(quarantine.toString()).count()).isZero();
    assertThat(report).exists();
    // Six days later: the report goes too.
    maintain(pipeline, warehouse, Duration.ofDays(6));
    assertThat(report).doesNotExist();
    assertThat(new Tables(wh()).count("silver", "s", DAY)).isEqualTo(96);
    assertThat(records("remove_staging")).hasSize(1);
    assertThat(records("expire_quarantine")).hasSize(1);
    assertThat(records("remove_report")).hasSize(1);
  }

  private static List<Maintenance.Outcome> maintain(Pipeline pipeline, Warehouse warehouse, Duration later) {
    Clock clock = Clock.fixed(Instant.now().plus(later), ZoneOffset.UTC);
    EngineContext ctx = new EngineContext(SparkTestSession.get(), warehouse, clock, new PrintWriter(new StringWriter()), ExitCodes::of);
    Maintenance maintenance = new Maintenance(ctx, pipeline);
    List<Maintenance.Outcome> outcomes = maintenance.run(maintenance.plan("20300101T000000Z-00000" + later.toDays()), o -> { });
    assertThat(outcomes).noneMatch(Maintenance.Outcome::failed);
    return outcomes;
  }
}

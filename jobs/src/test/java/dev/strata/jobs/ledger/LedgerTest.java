package dev.strata.jobs.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.Partition;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.Tables;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger records runs, builds and gate results, and every build trusts it, not the tables. */
@IntegrationTest
class LedgerTest {
  private static final LocalDate DAY = LocalDate.of(2024, 5, 1);
  @TempDir Path warehouse;

  private void land(Defects defects) {
    new BankingGenerator(new HadoopFiles(new Configuration()), 4)
        .writeDay(warehouse.resolve("landing").toUri().toString(), DAY, 150, defects);
  }

  private Cli.Outcome run(String... extra) {
    String[] all = new String[6 + extra.length];
    System.arraycopy(new String[] {"run", "banking", "--date", DAY.toString(), "--warehouse", warehouse.toString()}, 0, all, 0, 6);
    System.arraycopy(extra, 0, all, 6, extra.length);
    return Cli.run(all);
  }

  private Ledger ledger() {
    return new Ledger(SparkTestSession.get(), Warehouse.at(warehouse.toString()));
  }

  @Test
  void aRunIsRecordedWithItsBuildsAndGateResults() {
    land(Defects.NONE);
    Cli.Outcome outcome = run();
    assertThat(outcome.exit()).as(outcome.toString()).isZero();

    Dataset<Row> runs = ledger().read("runs").orElseThrow();
    assertThat(runs.select("status").collectAsList().stream().map(r -> r.getString(0)).sorted().toList())
        .containsExactly("RUNNING", "SUCCEEDED");
    Row ended = runs.where("status = 'SUCCEEDED'").head();
    assertThat(ended.<String>getAs("pipeline")).isEqualTo("banking");
    assertThat(ended.<String>getAs("trigger")).isEqualTo("cli");
    assertThat(ended.<Integer>getAs("exit_code")).isZero();
    assertThat(ended.getList(ended.fieldIndex("partitions"))).containsExactly(DAY.toString());

    Dataset<Row> builds = ledger().read("builds").orElseThrow();
    assertThat(builds.count()).isEqualTo(8);
    assertThat(builds.where("status = 'PUBLISHED' and delta_version = 0 and attempt = 1").count()).isEqualTo(8);
    Row stg = builds.where("table = 'stg_account'").head();
    assertThat(stg.<Long>getAs("rows_in")).isEqualTo(BankingGenerator.accountCount(150));
    assertThat(stg.<Long>getAs("rows_published")).isEqualTo(BankingGenerator.accountCount(150));

    Dataset<Row> gate = ledger().read("gate_results").orElseThrow();
    Row rowCount = gate.where("table = 'customers_raw' and rule = 'RowCount > 0'").head();
    assertThat(rowCount.<String>getAs("outcome")).isEqualTo("PASSED");
    assertThat(rowCount.getJavaMap(rowCount.fieldIndex("observed"))).containsEntry("Dataset.*.RowCount", 150.0);
    assertThat(ledger().latestBuild("banking", "account_summary", Partition.day(DAY)).orElseThrow().published()).isTrue();
  }

  @Test
  void aLaterLayerRunRefusesAnUpstreamWhoseLatestBuildDidNotPublish() {
    land(Defects.NONE);
    assertThat(run().exit()).isZero();
    // A broken re-delivery: silver blocks, gold is not built in the same run.
    land(new Defects(0, 0, 0, 0, 0, 0.02, 0, 0, 0));
    Cli.Outcome blocked = run();
    assertThat(blocked.exit()).as(blocked.toString()).isEqualTo(3);
    assertThat(blocked.out()).containsPattern("account_summary +SKIPPED");

    // A scheduler now submits gold on its own: the old silver rows are still in the table, but the
    // ledger says the latest build of the partition was blocked, so gold refuses.
    Cli.Outcome gold = run("--layer", "gold");
    assertThat(gold.exit()).as(gold.toString()).isEqualTo(5);
    assertThat(gold.out())
        .containsPattern("account_summary +NOT_READY")
        .containsPattern(
            "Cannot build 'account_summary' for " + DAY + ": the latest build of its upstream table"
                + " 'int_account_with_customer' for " + DAY + " is SKIPPED \\(run \\d{8}T\\d{6}Z-[0-9a-f]{6}, 20")
        .containsPattern("Cannot build 'customer_metrics' for " + DAY + ": the latest build of its upstream table 'stg_account' for " + DAY + " is BLOCKED");

    // The source is fixed and silver rebuilt, layer by layer as a scheduler would: gold builds.
    land(Defects.NONE);
    for (String layer : List.of("bronze", "silver", "gold")) {
      Cli.Outcome step = run("--layer", layer);
      assertThat(step.exit()).as(layer + "\n" + step).isZero();
    }
    assertThat(new Tables(warehouse).count("gold", "account_summary", DAY)).isEqualTo(BankingGenerator.accountCount(150));
    assertThat(ledger().latestBuild("banking", "account_summary", Partition.day(DAY)).orElseThrow().published()).isTrue();
  }

  @Test
  void manySmallAppendsAreCompactedWithoutLosingARow() {
    Ledger ledger = ledger();
    java.time.Instant at = java.time.Instant.parse("2024-05-01T00:00:00Z");
    for (int i = 0; i <= Ledger.COMPACT_ABOVE_FILES; i++) {
      ledger.backfillPlanned("bf-test", "banking", List.of(dev.strata.jobs.run.UnitId.of("t", Partition.day(DAY.plusDays(i)))), at);
    }
    io.delta.tables.DeltaTable table = io.delta.tables.DeltaTable.forPath(SparkTestSession.get(), ledger.path("backfills"));
    long files = table.detail().select("numFiles").head().getLong(0);
    assertThat(files).isGreaterThan(Ledger.COMPACT_ABOVE_FILES);
    // The count compaction goes by is the version checksum's, without a job: the same as Delta's own.
    assertThat(dev.strata.jobs.io.DeltaTables.fileCount(SparkTestSession.get(), ledger.path("backfills"))).contains(files);
    // A run compacts what it appended to: another run's ledger that appended nothing leaves the table as it is.
    ledger().compact();
    assertThat(table.detail().select("numFiles").head().getLong(0)).isEqualTo(files);
    ledger.compact();
    assertThat(table.detail().select("numFiles").head().getLong(0)).isEqualTo(1);
    assertThat(ledger.read("backfills").orElseThrow().count()).isEqualTo(Ledger.COMPACT_ABOVE_FILES + 1);
  }
}

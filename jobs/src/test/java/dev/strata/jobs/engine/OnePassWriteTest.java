package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static dev.strata.jobs.testing.StrataTestPipeline.map;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.BuildOutcome;
import dev.strata.api.BuildStatus;
import dev.strata.api.RunOutcome;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.jobs.testing.Tables;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build writes its rows once: the landing files parsed straight into bronze, silver's rows split
 * by its row-level rules as they are written, and every count the ledger keeps observed in that
 * pass. These say that what was observed is what a separate query finds, and that a transform that
 * does not give the same rows twice still puts every row in exactly one place.
 */
class OnePassWriteTest {
  private static final String DAY = "2024-01-01";
  private static final LocalDate DATE = LocalDate.parse(DAY);

  @TempDir Path dir;

  /** 200 rows; every 10th has a negative amount, every 50th a line that does not parse. */
  private static String landing() {
    StringBuilder csv = new StringBuilder("id,amount,as_of_date\n");
    IntStream.range(0, 200).forEach(i -> csv.append(i % 50 == 49 ? "r" + i + ",not-a-number," + DAY
        : "r" + i + "," + (i % 10 == 3 ? -i : i) + "," + DAY).append('\n'));
    return csv.toString();
  }

  private StrataTestPipeline pipeline() {
    return StrataTestPipeline.of("three_layer", dir)
        .with("tables.g", null)
        .with("sources.raw.schema", map("id", "string", "amount", "int", "as_of_date", "string"))
        .with("tables.s.max_quarantine_ratio", 0.6)
        .with("tables.s.rules", map("quarantine", List.of("ColumnValues \"amount\" >= 0", "ColumnLength \"id\" <= 3")))
        .land("raw", DAY, "raw.csv", landing());
  }

  private Dataset<Row> quarantine(String table) {
    return SparkTestSession.get().read().format("delta").load(dir.resolve("wh/_quarantine/" + table).toString());
  }

  private static Map<String, Long> byRule(Dataset<Row> quarantined) {
    Map<String, Long> counted = new TreeMap<>();
    for (Row r : quarantined.select(explode(col("_strata_failed_rules"))).groupBy("col").count().collectAsList()) {
      counted.put(r.getString(0), r.getLong(1));
    }
    return counted;
  }

  @Test
  void whatEachBuildObservedIsWhatTheTablesAndQuarantinesHold() {
    RunOutcome run = pipeline().run(DAY);
    Tables tables = new Tables(dir.resolve("wh"));

    // Bronze: 200 lines, 4 malformed, parsed once into the table; the 4 lines in its quarantine.
    BuildOutcome bronze = assertThatBuild(run, "b", DAY).isPublished().hasRows(200, 196, 4, 0).outcome();
    assertThat(tables.count("bronze", "b", DATE)).isEqualTo(bronze.rows().published());
    assertThat(quarantine("b").count()).isEqualTo(bronze.rows().quarantined());
    assertThat(byRule(quarantine("b")).values()).containsExactly(4L);

    // Silver: of 196, 20 negative amounts and the 100 ids of four characters (r100..r199, less the malformed ones).
    Dataset<Row> silverIn = tables.partition("bronze", "b", DATE);
    long negative = silverIn.where("cast(amount as int) < 0").count();
    long longIds = silverIn.where("length(id) > 3").count();
    long both = silverIn.where("cast(amount as int) < 0 and length(id) > 3").count();
    BuildOutcome silver = assertThatBuild(run, "s", DAY).isPublished().hasRows(196, 196 - (negative + longIds - both), negative + longIds - both, 0)
        .outcome();
    assertThat(tables.count("silver", "s", DATE)).isEqualTo(silver.rows().published());
    assertThat(quarantine("s").count()).isEqualTo(silver.rows().quarantined());
    assertThat(byRule(quarantine("s")))
        .containsEntry("ColumnValues \"amount\" >= 0", negative).containsEntry("ColumnLength \"id\" <= 3", longIds);
    // Nothing was staged and copied: the build's staging folder is gone and no table holds a file its log does not name.
    assertThat(dir.resolve("wh/_strata/staging")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  /** The Spark call sites of the jobs each table's builds ran (the engine names a build's jobs after its table), while {@code body} runs. */
  private static Map<String, List<String>> callSites(Runnable body) {
    Map<String, List<String>> sites = new java.util.concurrent.ConcurrentHashMap<>();
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
        String description = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
        if (description != null) {
          job.stageInfos().foreach(stage -> sites.computeIfAbsent(description.split(" ")[0], t -> new java.util.concurrent.CopyOnWriteArrayList<>())
              .add(stage.name()));
        }
      }
    };
    SparkTestSession.get().sparkContext().addSparkListener(listener);
    try {
      body.run();
      // The listener bus delivers events after the jobs: wait until it has.
      try {
        SparkTestSession.get().sparkContext().listenerBus().waitUntilEmpty();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException(e);
      }
    } finally {
      SparkTestSession.get().sparkContext().removeSparkListener(listener);
    }
    return sites;
  }

  /** Runs {@code body} with at most {@code rows} rejected rows set aside by a split's write. */
  private static void settingAsideAtMost(int rows, Runnable body) {
    SparkTestSession.get().conf().set(dev.strata.jobs.write.SetAside.MAX_ROWS_SETTING, String.valueOf(rows));
    try {
      body.run();
    } finally {
      SparkTestSession.get().conf().unset(dev.strata.jobs.write.SetAside.MAX_ROWS_SETTING);
    }
  }

  @Test
  void aShufflingTransformSplitsInOnePassAndFallsBackToStagingPastTheBound() {
    // An aggregate (one row per id): a shuffle, so computing its rejected rows again costs more than staging every row.
    String sql = "SELECT id, CAST(MAX(amount) AS INT) AS amount, as_of_date FROM b GROUP BY id, as_of_date";
    for (int bound : List.of(dev.strata.jobs.write.SetAside.MAX_ROWS, 5)) {
      java.util.concurrent.atomic.AtomicReference<RunOutcome> outcome = new java.util.concurrent.atomic.AtomicReference<>();
      Map<String, List<String>> sites = callSites(() -> settingAsideAtMost(bound, () -> outcome.set(pipeline()
          .with("tables.s.rules", map("quarantine", List.of("ColumnValues \"amount\" >= 0")))
          .file("s.sql", sql).run(DAY))));

      BuildOutcome silver = assertThatBuild(outcome.get(), "s", DAY).isPublished().outcome();
      Tables tables = new Tables(dir.resolve("wh"));
      Dataset<Row> silverIn = tables.partition("bronze", "b", DATE);
      long rejected = silverIn.where("cast(amount as int) < 0").count();
      assertThat(silver.rows().quarantined()).as("bound " + bound).isEqualTo(rejected).isGreaterThan(5);
      assertThat(tables.count("silver", "s", DATE)).isEqualTo(silver.rows().published()).isEqualTo(196 - rejected);
      assertThat(quarantine("s").count()).isEqualTo(rejected);
      assertThat(quarantine("s").where("amount >= 0").count()).isZero();
      assertThat(byRule(quarantine("s"))).containsExactly(Map.entry("ColumnValues \"amount\" >= 0", rejected));
      List<String> silverSites = sites.get("s");
      if (bound > rejected) {
        // Passing rows written into the table, rejected ones set aside by the same pass: nothing staged and copied.
        assertThat(silverSites).anyMatch(site -> site.contains("InPlaceWrite")).noneMatch(site -> site.startsWith("save at StagedWrite"));
      } else {
        // More rejected rows than set aside, and a shuffle to compute again: every row staged once and split.
        assertThat(silverSites).anyMatch(site -> site.startsWith("save at StagedWrite"));
      }
    }
  }

  @Test
  void aTransformThatGivesOtherRowsWhenComputedAgainStillPutsEveryRowInExactlyOnePlace() {
    // Rejected rows set aside by the write (computed once), and, past a bound of none, computed
    // again: other rows then, caught by their count and checksum, and the split staged instead.
    for (int bound : List.of(dev.strata.jobs.write.SetAside.MAX_ROWS, 0)) {
      java.util.concurrent.atomic.AtomicReference<RunOutcome> outcome = new java.util.concurrent.atomic.AtomicReference<>();
      Map<String, List<String>> sites = callSites(() -> settingAsideAtMost(bound, () -> outcome.set(pipeline()
          .with("tables.s.sql", null)
          .with("tables.s.transform", "dev.strata.jobs.testing.ShiftingTransform")
          .with("tables.s.rules", map("quarantine", List.of("ColumnValues \"shift\" = 0")))
          .with("tables.s.max_quarantine_ratio", 1.0)
          .run(DAY))));
      assertShiftedRowsInOnePlace(outcome.get());
      if (bound == 0) {
        // Computed again, the rows did not match: the write was given up and every row staged once and split.
        assertThat(sites.get("s")).as("bound 0").anyMatch(site -> site.startsWith("save at StagedWrite"));
      } else {
        assertThat(sites.get("s")).noneMatch(site -> site.startsWith("save at StagedWrite"));
      }
    }
  }

  private void assertShiftedRowsInOnePlace(RunOutcome run) {
    BuildOutcome silver = assertThatBuild(run, "s", DAY).isPublished().outcome();
    Tables tables = new Tables(dir.resolve("wh"));
    List<String> published = tables.partition("silver", "s", DATE).select("id").as(Encoders.STRING()).collectAsList();
    List<String> quarantined = quarantine("s").select("id").as(Encoders.STRING()).collectAsList();
    assertThat(published).hasSize((int) silver.rows().published());
    assertThat(quarantined).hasSize((int) silver.rows().quarantined());
    List<String> everywhere = new ArrayList<>(published);
    everywhere.addAll(quarantined);
    assertThat(everywhere).hasSize(196).doesNotHaveDuplicates();
    assertThat(tables.partition("silver", "s", DATE).where("shift <> 0").count()).isZero();
    assertThat(quarantine("s").where("shift = 0").count()).isZero();
  }

  @Test
  void aTransformThatReadsTheClockIsSplitFromRowsComputedOnce() {
    RunOutcome run = pipeline()
        .file("s.sql", "SELECT id, CAST(amount AS INT) AS amount, as_of_date, current_timestamp() AS loaded_at FROM b")
        .run(DAY);

    BuildOutcome silver = assertThatBuild(run, "s", DAY).isPublished().outcome();
    Tables tables = new Tables(dir.resolve("wh"));
    assertThat(tables.count("silver", "s", DATE)).isEqualTo(silver.rows().published());
    assertThat(quarantine("s").count()).isEqualTo(silver.rows().quarantined()).isPositive();
    // One time for the whole build: every row, published or quarantined, was computed by one query.
    assertThat(tables.partition("silver", "s", DATE).select("loaded_at").union(quarantine("s").select("loaded_at")).distinct().count())
        .isEqualTo(1);
  }

  @Test
  void aTransformThatMayStopReadingEarlyIsAccountedByASeparateCount() {
    RunOutcome run = pipeline()
        .with("tables.s", null)
        .file("b.sql", "SELECT id, amount, as_of_date FROM raw LIMIT 150")
        .run(DAY);

    // The observation of the landing files cannot be trusted under a limit: the input is counted on its own.
    assertThatBuild(run, "b", DAY).hasStatus(BuildStatus.FAILED)
        .messageContains("its input 'raw' has 196 rows but the transform produced 150");
    assertThat(new Tables(dir.resolve("wh")).exists("bronze", "b")).isFalse();
  }
}

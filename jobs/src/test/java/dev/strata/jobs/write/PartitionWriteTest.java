package dev.strata.jobs.write;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.testing.SparkTestSession;
import io.delta.exceptions.DeltaConcurrentModificationException;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-audit-publish without a copy: rows written into the table's folder by an open Delta
 * transaction are invisible until the commit, which replaces exactly their partition; rows given up
 * leave nothing behind.
 */
class PartitionWriteTest {
  private static final LocalDate DAY1 = LocalDate.of(2024, 1, 1);
  private static final LocalDate DAY2 = LocalDate.of(2024, 1, 2);
  private static final String MARK = "strata run test-run: accounts 2024-01-01";

  @TempDir Path dir;
  private final SparkSession spark = SparkTestSession.get();
  private String table;

  @BeforeEach
  void setUp() {
    table = dir.resolve("silver/accounts").toUri().toString();
    spark.conf().set(DeltaTables.COMMIT_USER_METADATA, MARK);
  }

  @AfterEach
  void tearDown() {
    spark.conf().unset(DeltaTables.COMMIT_USER_METADATA);
  }

  /** {@code n} rows of a day, ids from {@code first}. */
  private Dataset<Row> rows(LocalDate day, long first, long n) {
    return spark.range(first, first + n).select(
        col("id").as("account_id"), col("id").multiply(10).as("balance"), lit(Date.valueOf(day)).as("as_of_date"));
  }

  private void publish(Dataset<Row> rows, LocalDate day) {
    rows.write().format("delta").mode("overwrite").option("replaceWhere", "as_of_date = DATE'" + day + "'")
        .partitionBy("as_of_date").save(table);
  }

  private Dataset<Row> published(LocalDate day) {
    return spark.read().format("delta").load(table).where(col("as_of_date").equalTo(lit(Date.valueOf(day))));
  }

  private long version() {
    return DeltaTables.version(spark, table);
  }

  private List<Path> dataFiles() throws IOException {
    try (Stream<Path> all = Files.walk(dir.resolve("silver/accounts"))) {
      return all.filter(p -> p.toString().endsWith(".parquet") && !p.toString().contains("_delta_log")).sorted().toList();
    }
  }

  private PartitionWrite stageInTable(Dataset<Row> rows, LocalDate day) {
    return stageInTable(rows, day, false);
  }

  private PartitionWrite stageInTable(Dataset<Row> rows, LocalDate day, boolean mergeSchema) {
    return PartitionWrites.replace(
        spark, new WriteTarget("accounts", table, "as_of_date", Partition.day(day), mergeSchema), rows, dir.resolve("staging/output").toUri().toString(),
        List.of());
  }

  private static List<Long> ids(Dataset<Row> rows) {
    return rows.orderBy("account_id").select("account_id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList();
  }

  @Test
  void rowsWrittenIntoTheTableAreInvisibleUntilTheCommitReplacesTheirPartitionOnly() throws IOException {
    publish(rows(DAY1, 0, 3), DAY1);
    publish(rows(DAY2, 100, 2), DAY2);
    long before = version();
    int filesBefore = dataFiles().size();

    PartitionWrite staged = stageInTable(rows(DAY1, 10, 5), DAY1);

    assertThat(staged).isInstanceOf(InPlaceWrite.class);
    assertThat(staged.state()).isEqualTo(PartitionWrite.State.STAGED);
    assertThat(staged.rowCount()).isEqualTo(5);
    assertThat(ids(staged.rows())).containsExactly(10L, 11L, 12L, 13L, 14L);
    // Written into the table's folder, but the log does not name the files: readers see the old rows.
    assertThat(dataFiles().size()).isGreaterThan(filesBefore);
    assertThat(version()).isEqualTo(before);
    assertThat(ids(published(DAY1))).containsExactly(0L, 1L, 2L);
    assertThat(dir.resolve("staging")).doesNotExist();

    DeltaTables.Commit commit = staged.commit();
    assertThat(staged.state()).isEqualTo(PartitionWrite.State.COMMITTED);

    assertThat(commit.version()).isEqualTo(before + 1);
    assertThat(version()).isEqualTo(before + 1);
    assertThat(ids(published(DAY1))).containsExactly(10L, 11L, 12L, 13L, 14L);
    assertThat(ids(published(DAY2))).containsExactly(100L, 101L);
    assertThat(commit.files()).isPositive();
    assertThat(commit.bytes()).isPositive();
    // Recorded as the partition overwrite it is, named after its run.
    Row history = DeltaTable.forPath(spark, table).history(1).select("operation", "operationParameters", "userMetadata").head();
    assertThat(history.getString(0)).isEqualTo("WRITE");
    assertThat(history.<String, String>getJavaMap(1)).containsEntry("mode", "Overwrite").containsEntry("predicate", "`as_of_date` = DATE'2024-01-01'");
    assertThat(history.getString(2)).isEqualTo(MARK);
    assertThat(DeltaTables.committed(spark, table)).isEqualTo(new DeltaTables.Commit(before + 1, commit.files(), commit.bytes()));
  }

  @Test
  void abandonedRowsLeaveTheTableAsItWasAndACopyForInspection() throws IOException {
    publish(rows(DAY1, 0, 3), DAY1);
    long before = version();
    List<Path> filesBefore = dataFiles();
    PartitionWrite staged = stageInTable(rows(DAY2, 10, 4), DAY2);
    assertThat(dataFiles()).hasSizeGreaterThan(filesBefore.size());

    String keep = dir.resolve("kept").toUri().toString();
    staged.abort(keep);
    assertThat(staged.state()).isEqualTo(PartitionWrite.State.ABORTED);

    assertThat(dataFiles()).isEqualTo(filesBefore);
    assertThat(dir.resolve("silver/accounts/as_of_date=" + DAY2)).doesNotExist();
    assertThat(version()).isEqualTo(before);
    assertThat(ids(spark.read().parquet(keep))).containsExactly(10L, 11L, 12L, 13L);
    assertThatThrownBy(staged::commit).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void rowsOfAnotherPartitionFailTheStageAndLeaveNothingBehind() throws IOException {
    publish(rows(DAY1, 0, 3), DAY1);
    List<Path> filesBefore = dataFiles();

    assertThatThrownBy(() -> stageInTable(rows(DAY1, 10, 2).union(rows(DAY2, 20, 1)), DAY1))
        .isInstanceOf(StrataException.JobFailedException.class)
        .hasMessageContaining("1 row(s) have a as_of_date other than 2024-01-01");

    assertThat(dataFiles()).isEqualTo(filesBefore);
    assertThat(ids(published(DAY1))).containsExactly(0L, 1L, 2L);
  }

  @Test
  void aNewTableIsWrittenInPlaceAndDoesNotExistUntilItsFirstCommit() throws IOException {
    PartitionWrite first = stageInTable(rows(DAY1, 0, 3), DAY1);

    assertThat(first).isInstanceOf(InPlaceWrite.class);
    assertThat(first.rowCount()).isEqualTo(3);
    assertThat(ids(first.rows())).containsExactly(0L, 1L, 2L);
    // The files are in the table's folder, marked as a first write; there is no table yet.
    assertThat(dataFiles()).isNotEmpty();
    assertThat(dir.resolve("silver/accounts/" + DeltaTables.FIRST_WRITE_MARKER)).exists();
    assertThat(DeltaTables.exists(spark, table)).isFalse();
    assertThat(DeltaTable.isDeltaTable(spark, table)).isFalse();
    assertThat(dir.resolve("staging")).doesNotExist();

    DeltaTables.Commit commit = first.commit();

    assertThat(commit.version()).isZero();
    assertThat(ids(published(DAY1))).containsExactly(0L, 1L, 2L);
    assertThat(dir.resolve("silver/accounts/" + DeltaTables.FIRST_WRITE_MARKER)).doesNotExist();
    // Created as the engine's tables are: partitioned by the partition column, all columns nullable.
    assertThat(DeltaTable.forPath(spark, table).detail().select("partitionColumns").head().<String>getList(0)).containsExactly("as_of_date");
    assertThat(spark.read().format("delta").load(table).schema().fields()).allMatch(org.apache.spark.sql.types.StructField::nullable);
  }

  @Test
  void aFirstWriteGivenUpLeavesNoTableAndNoFolder() {
    PartitionWrite first = stageInTable(rows(DAY1, 0, 3), DAY1);
    String keep = dir.resolve("kept").toUri().toString();

    first.abort(keep);

    assertThat(dir.resolve("silver/accounts")).doesNotExist();
    assertThat(DeltaTables.exists(spark, table)).isFalse();
    assertThat(ids(spark.read().parquet(keep))).containsExactly(0L, 1L, 2L);
  }

  @Test
  void aFirstWriteThatNeverCommittedLeavesOnlyFilesNoLogNamesAndTheNextCreatesTheTable() throws IOException {
    // A process killed between the write and the commit: nothing aborts the write.
    stageInTable(rows(DAY1, 0, 3), DAY1);
    DeltaTables.releaseCreation(table);
    List<Path> orphans = dataFiles();
    assertThat(orphans).isNotEmpty();
    assertThat(DeltaTables.exists(spark, table)).as("files of a first write that never committed are no table").isFalse();

    PartitionWrite again = stageInTable(rows(DAY1, 10, 2), DAY1);
    again.commit();

    assertThat(ids(published(DAY1))).containsExactly(10L, 11L);
    Set<String> named = new java.util.HashSet<>(Arrays.asList(spark.read().format("delta").load(table).inputFiles()));
    for (Path orphan : orphans) {
      assertThat(named).noneMatch(n -> n.endsWith(orphan.getFileName().toString()));
    }
  }

  @Test
  void newColumnsAreWrittenInPlaceWithTheWidenedSchemaAndInvisibleUntilTheCommit() {
    publish(rows(DAY1, 0, 3), DAY1);
    long before = version();

    Dataset<Row> widened = rows(DAY2, 10, 2).withColumn("branch", lit("north"));
    PartitionWrite added = stageInTable(widened, DAY2, true);

    assertThat(added).isInstanceOf(InPlaceWrite.class);
    assertThat(added.rows().columns()).contains("branch");
    assertThat(version()).isEqualTo(before);
    assertThat(spark.read().format("delta").load(table).columns()).doesNotContain("branch");

    added.commit();

    assertThat(published(DAY2).select("branch").distinct().collectAsList()).containsExactly(org.apache.spark.sql.RowFactory.create("north"));
    assertThat(published(DAY1).where(col("branch").isNotNull()).count()).isZero();
    // Nullability aside, the same columns: written in place.
    PartitionWrite same = stageInTable(rows(DAY1, 5, 1).withColumn("branch", lit(null).cast("string")), DAY1);
    assertThat(same).isInstanceOf(InPlaceWrite.class);
    same.commit();
    assertThat(ids(published(DAY1))).containsExactly(5L);
  }

  @Test
  void aChangedTypeOrColumnsTheTableMayNotTakeAreStagedAndTheirCommitFails() {
    publish(rows(DAY1, 0, 3), DAY1);

    PartitionWrite retyped = stageInTable(rows(DAY2, 10, 2).withColumn("balance", col("balance").cast("string")), DAY2, true);
    assertThat(retyped).isInstanceOf(StagedWrite.class);
    PartitionWrite added = stageInTable(rows(DAY2, 10, 2).withColumn("branch", lit("north")), DAY2, false);
    assertThat(added).isInstanceOf(StagedWrite.class);
    assertThatThrownBy(added::commit).hasMessageContaining("schema");
    assertThat(published(DAY2).count()).isZero();
  }

  /** The properties of the Delta table at {@code path}. */
  private java.util.Map<String, String> properties(String path) {
    return DeltaTable.forPath(spark, path).detail().select("properties").head().getJavaMap(0);
  }

  /** The statistics Delta kept of the data files the table's commit {@code version} added. */
  private List<String> stats(String path, long version) throws IOException {
    Path commit = Path.of(java.net.URI.create(path)).resolve(String.format("_delta_log/%020d.json", version));
    return Files.readAllLines(commit).stream().filter(l -> l.startsWith("{\"add\"")).toList();
  }

  @Test
  void aWriteThatCreatesATableSetsTheTargetsPropertiesAndNeverChangesThemAfter() throws IOException {
    java.util.Map<String, String> noColumnStats = java.util.Map.of("delta.dataSkippingNumIndexedCols", "0");
    for (boolean inPlace : List.of(true, false)) {
      String path = dir.resolve("bronze/created-" + inPlace).toUri().toString();
      WriteTarget target = new WriteTarget("accounts", path, "as_of_date", Partition.day(DAY1), true, noColumnStats);
      PartitionWrite write = inPlace ? InPlaceWrite.stage(spark, target, rows(DAY1, 0, 5), List.of()).orElseThrow()
          : StagedWrite.stage(spark, target, rows(DAY1, 0, 5), dir.resolve("staging/created").toUri().toString(), List.of());
      write.commit();

      assertThat(properties(path)).as("in place: " + inPlace).containsEntry("delta.dataSkippingNumIndexedCols", "0");
      // Each file's row count is kept (the engine checks its counts against it), no column's minimum, maximum or nulls.
      assertThat(stats(path, 0)).isNotEmpty().allSatisfy(add -> assertThat(add).contains("numRecords").doesNotContain("minValues"));

      // Someone who wants statistics on it sets them; a later write leaves the property as they set it.
      spark.sql("ALTER TABLE delta.`" + path + "` SET TBLPROPERTIES ('delta.dataSkippingNumIndexedCols' = '2')");
      WriteTarget later = new WriteTarget("accounts", path, "as_of_date", Partition.day(DAY2), true, noColumnStats);
      PartitionWrite next = inPlace ? InPlaceWrite.stage(spark, later, rows(DAY2, 0, 5), List.of()).orElseThrow()
          : StagedWrite.stage(spark, later, rows(DAY2, 0, 5), dir.resolve("staging/later").toUri().toString(), List.of());
      long version = next.commit().version();
      assertThat(properties(path)).containsEntry("delta.dataSkippingNumIndexedCols", "2");
      assertThat(stats(path, version)).isNotEmpty().allSatisfy(add -> assertThat(add).contains("minValues"));
    }
    // A target that names no properties creates a table with Delta's defaults: statistics of its columns.
    stageInTable(rows(DAY1, 0, 5), DAY1).commit();
    assertThat(properties(table)).doesNotContainKey("delta.dataSkippingNumIndexedCols");
    assertThat(stats(table, 0)).isNotEmpty().allSatisfy(add -> assertThat(add).contains("minValues"));
  }

  @Test
  void whatAWriteObservesEqualsWhatASeparateQueryCounts() {
    publish(rows(DAY1, 0, 3), DAY1);
    Dataset<Row> rows = rows(DAY2, 0, 1000).withColumn("balance", when(col("account_id").mod(7).equalTo(0), lit(null)).otherwise(col("balance")));
    List<org.apache.spark.sql.Column> aggregates = List.of(count_if(col("balance").isNull()), max(col("balance")), count_if(col("balance").gt(5000)));

    for (boolean inPlace : List.of(true, false)) {
      PartitionWrite staged = inPlace ? stageInTable(rows, DAY2)
          : StagedWrite.stage(spark, new WriteTarget("accounts", table, "as_of_date", Partition.day(DAY2), false), rows,
              dir.resolve("staging/observed").toUri().toString(), aggregates);
      if (inPlace) {
        staged.abort(null);
        staged = InPlaceWrite.stage(spark, new WriteTarget("accounts", table, "as_of_date", Partition.day(DAY2), false), rows, aggregates)
            .orElseThrow();
      }
      Row separately = staged.rows().agg(count(lit(1)), aggregates.toArray(org.apache.spark.sql.Column[]::new)).head();
      assertThat(staged.rowCount()).as("in place: " + inPlace).isEqualTo(separately.getLong(0)).isEqualTo(1000);
      assertThat(staged.aggregates().getLong(0)).isEqualTo(separately.getLong(1)).isEqualTo(143);
      assertThat(staged.aggregates().getLong(1)).isEqualTo(separately.getLong(2));
      assertThat(staged.aggregates().getLong(2)).isEqualTo(separately.getLong(3));
      staged.abort(null);
    }
  }

  @Test
  void aConcurrentCommitToTheSamePartitionFailsThePublishButOneToAnotherDoesNot() throws IOException {
    publish(rows(DAY1, 0, 3), DAY1);
    publish(rows(DAY2, 100, 2), DAY2);

    PartitionWrite staged = stageInTable(rows(DAY1, 10, 2), DAY1);
    publish(rows(DAY2, 200, 1), DAY2);
    staged.commit();
    assertThat(ids(published(DAY1))).containsExactly(10L, 11L);
    assertThat(ids(published(DAY2))).containsExactly(200L);

    PartitionWrite late = stageInTable(rows(DAY1, 20, 2), DAY1);
    publish(rows(DAY1, 30, 1), DAY1);
    List<Path> filesOfTheTry = dataFiles();
    assertThatThrownBy(late::commit).isInstanceOf(DeltaConcurrentModificationException.class);
    // The other writer's rows stand; nothing of the failed publish is visible.
    assertThat(ids(published(DAY1))).containsExactly(30L);
    // A commit was tried: it may have landed (here it did not, but a write cannot know), so an
    // abort deletes nothing; the files the log does not name stay invisible until VACUUM.
    assertThat(late.state()).isEqualTo(PartitionWrite.State.UNKNOWN);
    late.abort(null);
    assertThat(late.state()).isEqualTo(PartitionWrite.State.UNKNOWN);
    assertThat(dataFiles()).containsAll(filesOfTheTry);
  }

  /** Commits the writes from one thread each, all released at once; each write's commit, or what it threw. */
  private static List<Object> commitAtOnce(List<PartitionWrite> writes) throws Exception {
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writes.size());
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writes.size());
    try {
      List<java.util.concurrent.Future<Object>> outcomes = new java.util.ArrayList<>();
      for (PartitionWrite w : writes) {
        outcomes.add(pool.submit(() -> {
          start.await();
          try {
            return (Object) w.commit();
          } catch (RuntimeException e) {
            return e;
          }
        }));
      }
      List<Object> out = new java.util.ArrayList<>();
      for (java.util.concurrent.Future<Object> f : outcomes) {
        out.add(f.get(120, java.util.concurrent.TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void partitionsPublishedAtOnceShareCommitsAndEachReplacesOnlyItsOwnPartition() throws Exception {
    List<LocalDate> days = List.of(DAY1, DAY2, DAY1.plusDays(2), DAY1.plusDays(3), DAY1.plusDays(4));
    for (int i = 0; i < days.size(); i++) {
      publish(rows(days.get(i), 100L * i, 2), days.get(i));
    }
    long before = version();
    List<PartitionWrite> writes = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      writes.add(stageInTable(rows(days.get(i), 1000L * (i + 1), 3), days.get(i)));
    }

    List<Object> commits = commitAtOnce(writes);

    assertThat(commits).allMatch(c -> c instanceof DeltaTables.Commit);
    assertThat(writes).allMatch(w -> w.state() == PartitionWrite.State.COMMITTED);
    for (int i = 0; i < 4; i++) {
      long first = 1000L * (i + 1);
      assertThat(ids(published(days.get(i)))).containsExactly(first, first + 1, first + 2);
      DeltaTables.Commit c = (DeltaTables.Commit) commits.get(i);
      assertThat(c.version()).isBetween(before + 1, version());
      assertThat(c.files()).isPositive();
    }
    // The fifth day, not written, keeps its rows.
    assertThat(ids(published(days.get(4)))).containsExactly(400L, 401L);
    // The four threads met one commit in flight: those queued behind it went in together (a
    // commit takes far longer than three threads take to queue), each counted in its own commit.
    long versions = version() - before;
    assertThat(versions).isLessThan(4);
    assertThat(commits.stream().map(c -> ((DeltaTables.Commit) c).version()).distinct().count()).isEqualTo(versions);
    Row grouped = DeltaTable.forPath(spark, table).history((int) versions).select("operationParameters", "userMetadata")
        .where(col("operationParameters.predicate").contains(" OR ")).head();
    assertThat(grouped.<String, String>getJavaMap(0)).containsEntry("mode", "Overwrite");
    assertThat(grouped.getString(1)).contains(MARK + "; " + MARK);
  }

  @Test
  void aConflictOnOnePartitionOfCommitsMadeAtOnceFailsThatPartitionOnly() throws Exception {
    publish(rows(DAY1, 0, 3), DAY1);
    publish(rows(DAY2, 100, 2), DAY2);
    PartitionWrite day1 = stageInTable(rows(DAY1, 10, 2), DAY1);
    PartitionWrite day2 = stageInTable(rows(DAY2, 20, 2), DAY2);
    // Another writer adds to the first day after its rows were written: that day's publish must fail, whether the
    // two commits go in together (Delta refuses the group; each is then committed alone) or one by one.
    publish(rows(DAY1, 30, 1), DAY1);

    List<Object> outcomes = commitAtOnce(List.of(day1, day2));

    assertThat(outcomes.get(0)).isInstanceOf(DeltaConcurrentModificationException.class);
    assertThat(day1.state()).isEqualTo(PartitionWrite.State.UNKNOWN);
    assertThat(outcomes.get(1)).isInstanceOf(DeltaTables.Commit.class);
    assertThat(day2.state()).isEqualTo(PartitionWrite.State.COMMITTED);
    assertThat(ids(published(DAY1))).containsExactly(30L);
    assertThat(ids(published(DAY2))).containsExactly(20L, 21L);
  }

  @Test
  void aGroupAfterAnotherWritersCommitToOneOfItsPartitionsIsCommittedOneByOneAndOnlyThatPartitionFails() {
    publish(rows(DAY1, 0, 3), DAY1);
    publish(rows(DAY2, 100, 2), DAY2);
    publish(rows(DAY1.plusDays(2), 200, 2), DAY1.plusDays(2));
    InPlaceWrite day2 = (InPlaceWrite) stageInTable(rows(DAY2, 20, 2), DAY2);
    InPlaceWrite day1 = (InPlaceWrite) stageInTable(rows(DAY1, 10, 2), DAY1);
    InPlaceWrite day3 = (InPlaceWrite) stageInTable(rows(DAY1.plusDays(2), 40, 1), DAY1.plusDays(2));
    publish(rows(DAY1, 30, 1), DAY1);
    long before = version();

    // Another writer committed to the first day since the writes began: Delta refuses the group, and each write's own
    // transaction then decides, so that only the first day's publish fails.
    InPlaceWrite.publishTogether(List.of(day2, day1, day3));

    assertThat(day1.committedTogether()).isEmpty();
    assertThat(day2.committedTogether()).isPresent();
    assertThat(day3.committedTogether()).isPresent();
    assertThat(day2.committedTogether().get().version()).isNotEqualTo(day3.committedTogether().get().version());
    assertThat(version()).isEqualTo(before + 2);
    assertThat(ids(published(DAY1))).containsExactly(30L);
    assertThat(ids(published(DAY2))).containsExactly(20L, 21L);
    assertThat(ids(published(DAY1.plusDays(2)))).containsExactly(40L);
  }
}

package dev.strata.jobs.write;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
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
import java.util.List;
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
  void aNewTableOrAChangedSchemaIsStagedAsParquetAndCopied() {
    PartitionWrite first = stageInTable(rows(DAY1, 0, 3), DAY1);
    assertThat(first).isInstanceOf(StagedWrite.class);
    first.commit();
    assertThat(ids(published(DAY1))).containsExactly(0L, 1L, 2L);

    Dataset<Row> widened = rows(DAY2, 10, 2).withColumn("branch", lit("north"));
    PartitionWrite added = stageInTable(widened, DAY2, true);
    assertThat(added).isInstanceOf(StagedWrite.class);
    added.commit();
    assertThat(published(DAY2).select("branch").distinct().collectAsList()).containsExactly(org.apache.spark.sql.RowFactory.create("north"));

    // Nullability aside, the same columns: written in place.
    PartitionWrite same = stageInTable(rows(DAY1, 5, 1).withColumn("branch", lit(null).cast("string")), DAY1);
    assertThat(same).isInstanceOf(InPlaceWrite.class);
    same.commit();
    assertThat(ids(published(DAY1))).containsExactly(5L);
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
}

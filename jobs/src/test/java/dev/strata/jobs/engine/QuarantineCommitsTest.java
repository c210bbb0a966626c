package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static dev.strata.jobs.testing.StrataTestPipeline.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.RunOutcome;
import dev.strata.jobs.testing.StrataTestPipeline;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build replaces its partition of the quarantine: one that rejects nothing for a partition the
 * quarantine holds nothing of leaves the quarantine's version as it was (Delta records no empty
 * commit), so later builds have no new version to read; one whose partition held rejected rows
 * clears them.
 */
class QuarantineCommitsTest {
  @TempDir Path dir;

  @Test
  void aCleanBuildOfAPartitionWithNothingQuarantinedMakesNoQuarantineCommitAndAFixedOneIsCleared() {
    StrataTestPipeline pipeline = StrataTestPipeline.of("three_layer", dir)
        .with("tables.g", null)
        .with("tables.s.rules", map("quarantine", List.of("ColumnValues \"amount\" >= 0")))
        .with("tables.s.max_quarantine_ratio", 0.9)
        .land("raw", "2024-01-01", "raw.csv", "id,amount,as_of_date\nr1,5,2024-01-01\nr2,-1,2024-01-01\n")
        .land("raw", "2024-01-02", "raw.csv", "id,amount,as_of_date\nr3,7,2024-01-02\n");
    RunOutcome first = pipeline.run("2024-01-01");
    assertThatBuild(first, "s", "2024-01-01").isPublished().hasRows(2, 1, 1, 0);
    String quarantine = pipeline.warehouse().resolve("_quarantine/s").toString();
    long afterFirst = version(quarantine);

    // A clean day: nothing rejected, nothing held for it: the quarantine keeps its version.
    RunOutcome clean = pipeline.run("2024-01-02");
    assertThatBuild(clean, "s", "2024-01-02").isPublished().hasRows(1, 1, 0, 0);
    assertThat(version(quarantine)).isEqualTo(afterFirst);
    assertThat(spark().read().format("delta").load(quarantine).count()).isEqualTo(1);

    // The first day fixed at the source: its quarantined row is cleared by the build that rejects nothing.
    pipeline.land("raw", "2024-01-01", "raw.csv", "id,amount,as_of_date\nr1,5,2024-01-01\nr2,1,2024-01-01\n");
    RunOutcome fixed = pipeline.run("2024-01-01");
    assertThatBuild(fixed, "s", "2024-01-01").isPublished().hasRows(2, 2, 0, 0);
    assertThat(version(quarantine)).isGreaterThan(afterFirst);
    assertThat(spark().read().format("delta").load(quarantine).count()).isZero();
  }

  private static long version(String path) {
    return DeltaTable.forPath(spark(), path).history(1).select("version").head().getLong(0);
  }

  private static SparkSession spark() {
    return dev.strata.testing.SparkTestSession.get();
  }
}

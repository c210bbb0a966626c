package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.RunOutcome;
import dev.strata.api.Sink;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.ExtensionJar;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink from a user's jar (the example of docs/extending.md): each published partition is
 * delivered after its commit, as published, and a partition rebuilt replaces its delivery.
 */
class SinkExtensionTest {
  @TempDir Path dir;

  @Test
  void aPublishedPartitionIsDeliveredAndARebuildReplacesTheDelivery() throws Exception {
    Path exports = dir.resolve("exports");
    StrataTestPipeline p = StrataTestPipeline.of("sinks", dir).land("raw", "2024-01-01", "raw.csv", "id,as_of_date\nr1,2024-01-01\nr2,2024-01-01\n");
    Path yaml = p.definition().resolve("pipeline.yaml");
    Files.writeString(yaml, Files.readString(yaml).replace("EXPORTS", exports.toString()));
    Path jar = ExtensionJar.build(dir.resolve("ext"), "CsvExportSink.java", "com.example.strata.CsvExportSink", Sink.class);

    Cli.Outcome without = Cli.run("validate", p.definition().toString());
    assertThat(without.exit()).as(without.toString()).isEqualTo(2);
    assertThat(without.err()).contains("tables.b.outputs[0].sink: unknown sink 'csv_export'; the sinks on the classpath are [files, kafka, postgres]");

    RunOutcome first = ExtensionJar.withJar(List.of(jar), () -> p.run("2024-01-01"));
    assertThatBuild(first, "b", "2024-01-01").isPublished().messageContains("");
    assertThat(exported(exports)).containsExactly("r1", "r2");

    // The day is landed again with other rows: the table's partition and its export are replaced.
    p.land("raw", "2024-01-01", "raw.csv", "id,as_of_date\nr3,2024-01-01\n");
    RunOutcome again = ExtensionJar.withJar(List.of(jar), () -> p.run("2024-01-01"));
    assertThatBuild(again, "b", "2024-01-01").isPublished();
    assertThat(again.build("b", StrataTestPipeline.day("2024-01-01")).orElseThrow().message()).doesNotContain("warning");
    assertThat(exported(exports)).containsExactly("r3");
  }

  private static List<String> exported(Path exports) {
    return SparkTestSession.get().read().option("header", "true").csv(exports.resolve("b/2024-01-01").toString())
        .orderBy("id").select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }
}

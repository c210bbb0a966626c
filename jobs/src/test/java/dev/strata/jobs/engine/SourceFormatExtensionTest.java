package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.RunOutcome;
import dev.strata.api.SourceFormat;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.ExtensionJar;
import dev.strata.jobs.testing.StrataTestPipeline;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source format Strata does not ship, from a user's jar: fixed-width text (the example of
 * docs/extending.md), compiled against the public API into a jar of its own and found through
 * ServiceLoader once the jar is on the class path.
 */
class SourceFormatExtensionTest {
  @TempDir Path dir;

  @Test
  void aFormatFromAJarReadsItsFilesAndItsUnreadableLinesAreQuarantinedWithTheirText() throws Exception {
    StrataTestPipeline p = StrataTestPipeline.of("fixed_width", dir)
        .land("balances", "2024-01-01", "balances.txt",
            "A00001  120.502024-01-01\n"
                + "A00002    7.002024-01-01\n"
                + "A00003 bad    2024-01-01\n"
                + "A00004 12\n");
    Path jar = ExtensionJar.build(dir.resolve("ext"), "FixedWidthFormat.java", "com.example.strata.FixedWidthFormat", SourceFormat.class);

    // Without the jar, the definition names a format there is not.
    Cli.Outcome without = Cli.run("validate", p.definition().toString());
    assertThat(without.exit()).as(without.toString()).isEqualTo(2);
    assertThat(without.err()).as(without.toString())
        .contains("sources.balances.format: unknown format 'fixed_width'; use one of [csv, jdbc, json, kafka, parquet], or add the jar of a"
            + " dev.strata.api.SourceFormat named 'fixed_width' to the classpath");

    RunOutcome run = ExtensionJar.withJar(List.of(jar), () -> p.run("2024-01-01"));

    assertThatBuild(run, "balances_raw", "2024-01-01").isPublished().hasRows(4, 2, 2, 0);
    assertThat(p.rows("bronze", "balances_raw", "2024-01-01")).map(Row::toString).containsExactly("[A00001,120.50]", "[A00002,7.00]");
    List<String> quarantined = SparkTestSession.get().read().format("delta").load(p.warehouse().resolve("_quarantine/balances_raw").toString())
        .orderBy("_strata_raw_line").selectExpr("concat(_strata_raw_line, ' | ', concat_ws('; ', _strata_failed_rules))")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    // A line that was read keeps its values as the format writes them again (trimmed, padded); one
    // that could not be read, its text as it was.
    assertThat(quarantined).containsExactly(
        "A00003bad     2024-01-01 | malformed: balance is not a decimal(10,2)",
        "A00004 12 | malformed: the line is not as wide as the 3 declared fields");
  }
}

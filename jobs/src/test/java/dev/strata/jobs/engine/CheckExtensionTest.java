package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.Check;
import dev.strata.api.RunOutcome;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.ExtensionJar;
import dev.strata.jobs.testing.StrataTestPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks from a user's jar (the examples of docs/extending.md), compiled against the public API and
 * found through ServiceLoader: a row-level one quarantines the rows it rejects, a dataset-level one
 * gates the partition, each reported in words like a DQDL rule.
 */
class CheckExtensionTest {
  @TempDir Path dir;

  private List<Path> jars() {
    return List.of(
        ExtensionJar.build(dir.resolve("ext-share"), "MaxShareCheck.java", "com.example.strata.MaxShareCheck", Check.class),
        ExtensionJar.build(dir.resolve("ext-matches"), "MatchesCheck.java", "com.example.strata.MatchesCheck", Check.class));
  }

  @Test
  void aRowLevelCheckQuarantinesAndADatasetLevelCheckGates() throws Exception {
    StrataTestPipeline p = StrataTestPipeline.of("checks", dir)
        .land("raw", "2024-01-01", "raw.csv", "id,amount,as_of_date\nr1,10,2024-01-01\nr2,-5,2024-01-01\nx3,7,2024-01-01\nr4,20,2024-01-01\n")
        .land("raw", "2024-01-02", "raw.csv",
            "id,amount,as_of_date\nr1,1,2024-01-02\nr2,2,2024-01-02\nr3,-1,2024-01-02\nr4,4,2024-01-02\nr5,5,2024-01-02\n");
    List<Path> jars = jars();

    RunOutcome day1 = ExtensionJar.withJar(jars, () -> p.run("2024-01-01"));
    RunOutcome day2 = ExtensionJar.withJar(jars, () -> p.run("2024-01-02"));

    // x3 fails the row-level check and leaves for the quarantine; of the other three, one is
    // negative: a third, above the quarter the dataset-level check allows.
    assertThatBuild(day1, "s", "2024-01-01")
        .isBlockedBy("MaxShare \"amount\" < 0 <= 0.25")
        .hasRows(4, 3, 1, 0)
        .messageContains("blocked by MaxShare \"amount\" < 0 <= 0.25: 1 of 3 rows (33.3%) have amount below 0 (expected at most 25.0%)");
    assertThat(day1.build("s", StrataTestPipeline.day("2024-01-01")).orElseThrow().failedRules().get(0).level()).isEqualTo("error");
    assertThatBuild(day2, "s", "2024-01-02").isPublished().hasRows(5, 5, 0, 0);
    assertThat(p.rows("silver", "s", "2024-01-02")).hasSize(5);
  }

  @Test
  void checksAreValidatedWithTheDefinition() throws Exception {
    StrataTestPipeline p = StrataTestPipeline.of("checks", dir);
    Cli.Outcome without = Cli.run("validate", p.definition().toString());
    assertThat(without.exit()).as(without.toString()).isEqualTo(2);
    assertThat(without.err()).as(without.toString())
        .containsPattern("pipeline.yaml:\\d+ tables.s.checks\\[0\\].check: unknown check 'matches'; the checks on the classpath are \\[volume\\]")
        .contains("add the jar of a dev.strata.api.Check named 'matches'");

    Path yaml = p.definition().resolve("pipeline.yaml");
    Files.writeString(yaml, Files.readString(yaml).replace("level: error", "level: quarantine").replace("at_most: \"0.25\"", "at_most: \"25\""));
    List<Path> jars = jars();
    Cli.Outcome wrong = ExtensionJar.withJar(jars, () -> Cli.run("validate", p.definition().toString()));
    assertThat(wrong.exit()).as(wrong.toString()).isEqualTo(2);
    assertThat(wrong.err()).as(wrong.toString())
        .contains("tables.s.checks[1].level: 'max_share' is a dataset-level check: it can fail the gate (level: error) or warn"
            + " (level: warn), but has no rows to quarantine")
        .contains("tables.s.checks[1].options: Option 'at_most' must be a share between 0 and 1, e.g. 0.01.");
  }

  @Test
  void twoChecksOfOneNameAreRefusedNamingBothAndWhereTheyCameFrom() throws Exception {
    StrataTestPipeline p = StrataTestPipeline.of("checks", dir);
    List<Path> jars = List.of(
        ExtensionJar.build(dir.resolve("ext-shadow"), "ShadowVolumeCheck.java", "com.example.strata.ShadowVolumeCheck", Check.class));
    Cli.Outcome both = ExtensionJar.withJar(jars, () -> Cli.run("validate", p.definition().toString()));
    assertThat(both.exit()).as(both.toString()).isEqualTo(2);
    assertThat(both.err()).as(both.toString())
        .contains("Two checks on the classpath are named 'volume': ", "dev.strata.jobs.checks.VolumeCheck",
            "com.example.strata.ShadowVolumeCheck (from file:", "ext-shadow", "Remove one of the jars from the classpath");
  }
}

package dev.strata.jobs.engine;

import static dev.strata.jobs.testing.StrataAssertions.assertThatBuild;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.RunOutcome;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataTestPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transform takes parameters from its definition: one class serves several tables, and bad options fail validation. */
class TransformOptionsTest {
  @TempDir Path dir;

  @Test
  void oneClassBuildsTwoTablesWithTheirOwnOptions() {
    StrataTestPipeline p = StrataTestPipeline.of("options", dir).land("raw", "2024-01-01", "raw.csv", "id,as_of_date\nr1,2024-01-01\nr2,2024-01-01\n");

    RunOutcome run = p.run("2024-01-01");

    assertThatBuild(run, "tagged_once", "2024-01-01").isPublished().hasRows(2, 2, 0, 0);
    assertThatBuild(run, "tagged_twice", "2024-01-01").isPublished().hasRows(2, 2, 0, 0);
    assertThat(p.rows("silver", "tagged_once", "2024-01-01")).map(Row::toString).containsExactly("[r1,x]", "[r2,x]");
    assertThat(p.rows("silver", "tagged_twice", "2024-01-01")).map(Row::toString).containsExactly("[r1,abab]", "[r2,abab]");
  }

  @Test
  void aMissingOrMalformedOptionIsADefinitionErrorWithItsLine() throws IOException {
    StrataTestPipeline p = StrataTestPipeline.of("options", dir);
    Path yaml = p.definition().resolve("pipeline.yaml");
    String text = Files.readString(yaml);
    Files.writeString(yaml, text.replace("options: {column: tag, value: x}", "options: {column: tag}")
        .replace("value: ab, times: 2}", "value: ab, times: many}"));

    Cli.Outcome validate = Cli.run("validate", p.definition().toString());

    assertThat(validate.exit()).as(validate.toString()).isEqualTo(2);
    assertThat(validate.err())
        .as(validate.toString())
        .containsPattern("pipeline.yaml:18 tables.tagged_once.transform.options: Missing the option 'value'")
        .contains("Declare it under options in the table's definition")
        .containsPattern("pipeline.yaml:23 tables.tagged_twice.transform.options: Option 'times' is 'many',"
            + " which is not a whole number");
  }

  @Test
  void aTransformMappingWithoutAClassOrWithAnUnknownKeyIsRejected() throws IOException {
    StrataTestPipeline p = StrataTestPipeline.of("options", dir);
    Path yaml = p.definition().resolve("pipeline.yaml");
    Files.writeString(yaml, Files.readString(yaml).replace("{class: dev.strata.jobs.testing.TagTransform,", "{klass: dev.strata.jobs.testing.TagTransform,"));

    Cli.Outcome validate = Cli.run("validate", p.definition().toString());

    assertThat(validate.exit()).as(validate.toString()).isEqualTo(2);
    assertThat(validate.err())
        .as(validate.toString())
        .contains("tables.tagged_twice.transform.klass: unknown key 'klass'; expected one of [class, options]")
        .contains("tables.tagged_twice.transform.class: the key 'class' is required");
  }
}

package dev.strata.jobs.definition;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.strata.jobs.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * conf/pipeline.schema.json, the JSON Schema editors check pipeline.yaml with: every definition in
 * conf/ and in the tests' resources satisfies it, its keys are exactly the loader's ({@link Keys}),
 * and it rejects what the loader rejects for its shape.
 */
class PipelineSchemaTest {
  private static final Path REPO = Cli.CONF.getParent();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonSchema schema() throws IOException {
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(Files.readString(REPO.resolve("conf/pipeline.schema.json")));
  }

  private static Set<String> validate(Path yaml) throws IOException {
    Set<String> problems = new TreeSet<>();
    for (ValidationMessage m : schema().validate(YAML.readTree(yaml.toFile()))) {
      problems.add(m.getMessage());
    }
    return problems;
  }

  @Test
  void everyDefinitionInConfAndTheTestsSatisfiesTheSchema() throws IOException {
    List<Path> definitions = new ArrayList<>();
    for (Path root : List.of(REPO.resolve("conf/pipelines"), REPO.resolve("jobs/src/test/resources/pipelines"))) {
      try (Stream<Path> files = Files.walk(root)) {
        files.filter(f -> f.getFileName().toString().equals("pipeline.yaml")).forEach(definitions::add);
      }
    }
    assertThat(definitions).hasSizeGreaterThanOrEqualTo(5);
    for (Path d : definitions) {
      assertThat(validate(d)).as("schema problems of %s", d).isEmpty();
    }
    // conf/'s definitions need no extension jar: the loader accepts them as well.
    assertThat(DefinitionLoader.load(REPO.resolve("conf/pipelines/banking/pipeline.yaml")).problems()).isEmpty();
  }

  @Test
  void theSchemaHasExactlyTheKeysTheLoaderKnows() throws IOException {
    JsonNode s = YAML.readTree(REPO.resolve("conf/pipeline.schema.json").toFile());
    JsonNode defs = s.path("definitions");
    Map<String, JsonNode> sections = Map.ofEntries(
        Map.entry("top", s),
        Map.entry("defaults", s.path("properties").path("defaults")),
        Map.entry("source", defs.path("source")),
        Map.entry("drift", defs.path("source").path("properties").path("drift")),
        Map.entry("table", defs.path("table")),
        Map.entry("transform", defs.path("table").path("properties").path("transform").path("anyOf").get(1)),
        Map.entry("rules", defs.path("rules")),
        Map.entry("history", defs.path("table").path("properties").path("history")),
        Map.entry("volume", defs.path("table").path("properties").path("volume")),
        Map.entry("check", defs.path("table").path("properties").path("checks").path("items")),
        Map.entry("output", defs.path("table").path("properties").path("outputs").path("items")),
        Map.entry("retry", defs.path("retry")),
        Map.entry("freshness", defs.path("freshness")),
        Map.entry("alerts", s.path("properties").path("alerts")),
        Map.entry("webhook", s.path("properties").path("alerts").path("properties").path("webhooks").path("items")),
        Map.entry("schedule", s.path("properties").path("schedules").path("additionalProperties")));
    Map<String, Set<String>> keys = Map.ofEntries(
        Map.entry("top", Keys.TOP), Map.entry("defaults", Keys.DEFAULTS), Map.entry("source", Keys.SOURCE), Map.entry("drift", Keys.DRIFT),
        Map.entry("table", Keys.TABLE), Map.entry("transform", Keys.TRANSFORM), Map.entry("rules", Keys.RULES),
        Map.entry("history", Keys.HISTORY), Map.entry("volume", Keys.VOLUME), Map.entry("check", Keys.CHECK), Map.entry("output", Keys.OUTPUT),
        Map.entry("retry", Keys.RETRY), Map.entry("freshness", Keys.FRESHNESS), Map.entry("alerts", Keys.ALERTS),
        Map.entry("webhook", Keys.WEBHOOK), Map.entry("schedule", Keys.SCHEDULE));
    assertThat(sections.keySet()).isEqualTo(keys.keySet());
    for (String section : keys.keySet()) {
      Set<String> inSchema = new TreeSet<>();
      sections.get(section).path("properties").fieldNames().forEachRemaining(inSchema::add);
      assertThat(inSchema).as("keys of %s in the schema", section).isEqualTo(new TreeSet<>(keys.get(section)));
      assertThat(sections.get(section).path("additionalProperties").asBoolean(true)).as("%s allows no other key", section).isFalse();
    }
  }

  @Test
  void theSchemaRejectsUnknownKeysWrongTypesAndBadNames(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path bad = dir.resolve("pipeline.yaml");
    Files.writeString(bad, """
        pipeline: bad-name
        tables:
          t:
            layer: platinum
            inputs: [a]
            max_quarantine_ratio: 2
            retries: 3
        """);
    assertThat(validate(bad)).anySatisfy(m -> assertThat(m).contains("$.pipeline").contains("pattern"))
        .anySatisfy(m -> assertThat(m).contains("$.tables.t.layer"))
        .anySatisfy(m -> assertThat(m).contains("retries"))
        .anySatisfy(m -> assertThat(m).contains("$.tables.t.max_quarantine_ratio"));
  }
}

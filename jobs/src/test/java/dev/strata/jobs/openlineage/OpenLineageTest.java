package dev.strata.jobs.openlineage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.sun.net.httpserver.HttpServer;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenLineage events of a real run, received by a real HTTP server in the test and each validated
 * against the OpenLineage JSON Schema (the event, and every facet against its own): a run with a
 * blocked gate (FAIL for that build, COMPLETE for the others, FAIL for the run) and with
 * quarantine; an endpoint that does not answer is one warning, never a failed run, and the API key
 * is never printed.
 */
@IntegrationTest
class OpenLineageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "ol-secret-key-4711";

  @TempDir Path dir;

  private Path pipeline() {
    return TinyPipeline.define(dir, "lin", TinyPipeline.withBronze("lin", "catalog: {database: \"lin_{layer}\"}") + """
          s:
            layer: silver
            inputs: [b]
            sql: s.sql
            rules:
              quarantine:
                - ColumnValues "id" >= 0
          t:
            layer: silver
            inputs: [b]
            sql: t.sql
            rules:
              error:
                - ColumnValues "id" > 100
        """, "b.sql", TinyPipeline.BRONZE_SQL,
        "s.sql", "SELECT CAST(id AS INT) AS id, CAST(as_of_date AS DATE) AS as_of_date FROM b",
        "t.sql", "SELECT CAST(id AS INT) AS id, CAST(as_of_date AS DATE) AS as_of_date FROM b");
  }

  private void land() throws IOException {
    Path folder = dir.resolve("wh/landing/raw/" + TinyPipeline.DAY);
    Files.createDirectories(folder);
    StringBuilder csv = new StringBuilder("id,as_of_date\n");
    for (int i = -1; i < 40; i++) {
      csv.append(i).append(',').append(TinyPipeline.DAY).append('\n');
    }
    Files.writeString(folder.resolve("raw.csv"), csv);
  }

  private Cli.Outcome run(Path pipeline, String env) throws IOException {
    Path envFile = dir.resolve("ol.env");
    Files.writeString(envFile, env);
    return Cli.run("run", pipeline.toString(), "--warehouse", dir.resolve("wh").toString(), "--date", TinyPipeline.DAY, "--env-file",
        envFile.toString());
  }

  @Test
  void aRunWithABlockedGateAndQuarantineSendsValidEventsForEveryBuild() throws Exception {
    List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());
    List<String> auth = Collections.synchronizedList(new ArrayList<>());
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/lineage", exchange -> {
      events.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
      auth.add(exchange.getRequestHeaders().getFirst("Authorization"));
      exchange.sendResponseHeaders(201, -1);
      exchange.close();
    });
    server.start();
    Path keyFile = dir.resolve("ol.key");
    Files.writeString(keyFile, KEY + "\n");
    Cli.Outcome outcome;
    try {
      land();
      outcome = run(pipeline(), "OPENLINEAGE_URL=http://127.0.0.1:" + server.getAddress().getPort() + "\nOPENLINEAGE_API_KEY_FILE=" + keyFile
          + "\nOPENLINEAGE_NAMESPACE=analytics\n");
    } finally {
      server.stop(0);
    }
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(3);
    assertThat(outcome.toString()).doesNotContain(KEY);
    assertThat(auth).isNotEmpty().allMatch(("Bearer " + KEY)::equals);

    JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
        b -> b.schemaMappers(m -> m.mapPrefix("https://openlineage.io/spec/", "classpath:openlineage/spec/")));
    JsonSchema eventSchema = schemas.getSchema(SchemaLocation.of("https://openlineage.io/spec/2-0-2/OpenLineage.json"));
    for (JsonNode e : events) {
      Set<ValidationMessage> problems = eventSchema.validate(e);
      assertThat(problems).as(e.toPrettyString()).isEmpty();
      for (JsonNode facet : facets(e)) {
        assertThat(facetSchema(schemas, facet.path("_schemaURL").asText()).validate(facet)).as(facet.toPrettyString()).isEmpty();
      }
    }

    Map<String, List<String>> byJob = events.stream().collect(Collectors.groupingBy(e -> e.path("job").path("name").asText(),
        Collectors.mapping(e -> e.path("eventType").asText(), Collectors.toList())));
    assertThat(byJob).containsEntry("lin", List.of("START", "FAIL")).containsEntry("lin.b", List.of("START", "COMPLETE"))
        .containsEntry("lin.s", List.of("START", "COMPLETE")).containsEntry("lin.t", List.of("START", "FAIL"));
    assertThat(events).allMatch(e -> e.path("job").path("namespace").asText().equals("analytics"));

    JsonNode s = last(events, "lin.s");
    JsonNode runEvent = events.stream().filter(e -> e.path("job").path("name").asText().equals("lin")).findFirst().orElseThrow();
    assertThat(s.path("run").path("facets").path("parent").path("run").path("runId").asText())
        .isEqualTo(runEvent.path("run").path("runId").asText());
    JsonNode out = s.path("outputs").get(0);
    assertThat(out.path("namespace").asText()).isEqualTo("file");
    assertThat(out.path("name").asText()).endsWith("/wh/silver/s");
    assertThat(out.path("outputFacets").path("outputStatistics").path("rowCount").asLong()).isEqualTo(40);
    assertThat(out.path("facets").path("schema").path("fields").findValuesAsText("name")).containsExactly("id", "as_of_date");
    assertThat(out.path("facets").path("symlinks").path("identifiers").get(0).path("name").asText()).isEqualTo("lin_silver.s");
    // Every rule: the built-in ones and the row-level rule, which quarantined the one negative id (so it did not hold).
    assertThat(out.path("facets").path("dataQualityAssertions").path("assertions"))
        .anyMatch(a -> a.path("assertion").asText().equals("RowCount > 0") && a.path("success").asBoolean())
        .anyMatch(a -> a.path("assertion").asText().equals("ColumnValues \"id\" >= 0") && !a.path("success").asBoolean()
            && a.path("column").asText().equals("id"));
    assertThat(s.path("inputs").get(0).path("name").asText()).endsWith("/wh/bronze/b");
    // Column lineage of the SQL transform, from its analyzed plan: each typed column from bronze's column of the same name.
    JsonNode lineage = out.path("facets").path("columnLineage").path("fields");
    assertThat(lineage.path("id").path("inputFields").get(0).path("field").asText()).isEqualTo("id");
    assertThat(lineage.path("id").path("inputFields").get(0).path("name").asText()).endsWith("/wh/bronze/b");
    assertThat(lineage.path("as_of_date").path("inputFields").get(0).path("field").asText()).isEqualTo("as_of_date");
    // Bronze's from the landing folder's declared columns.
    assertThat(last(events, "lin.b").path("outputs").get(0).path("facets").path("columnLineage").path("fields").path("id")
        .path("inputFields").get(0).path("name").asText()).endsWith("/wh/landing/raw");

    JsonNode t = last(events, "lin.t");
    assertThat(t.path("run").path("facets").path("errorMessage").path("message").asText()).startsWith("BLOCKED");
    assertThat(t.path("outputs").get(0).path("facets").path("dataQualityAssertions").path("assertions"))
        .anyMatch(a -> a.path("assertion").asText().equals("ColumnValues \"id\" > 100") && !a.path("success").asBoolean());
    assertThat(last(events, "lin.b").path("inputs").get(0).path("name").asText()).endsWith("/wh/landing/raw");
  }

  @Test
  void anEndpointThatDoesNotAnswerIsOneWarningNeverAFailedRun() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    land();
    Path pipeline = TinyPipeline.define(dir, "quiet", TinyPipeline.withBronze("quiet", ""), "b.sql", TinyPipeline.BRONZE_SQL);
    Cli.Outcome outcome = run(pipeline, "OPENLINEAGE_URL=http://user:pw-" + KEY + "@127.0.0.1:" + closed + "\nOPENLINEAGE_API_KEY=" + KEY + "\n");
    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    assertThat(outcome.out()).containsOnlyOnce("Warning: OpenLineage events could not be sent to http://127.0.0.1:" + closed);
    assertThat(outcome.toString()).doesNotContain(KEY);

    Cli.Outcome bad = run(pipeline, "OPENLINEAGE_URL=http://exa mple\n");
    assertThat(bad.exit()).as(bad.toString()).isEqualTo(2);
    assertThat(bad.err() + bad.out()).contains("Cannot send OpenLineage events: OPENLINEAGE_URL is not a URL");
  }

  private static JsonNode last(List<JsonNode> events, String job) {
    return events.stream().filter(e -> e.path("job").path("name").asText().equals(job)).reduce((a, b) -> b).orElseThrow();
  }

  /** Every facet of an event: its run's, its job's, each dataset's and output's. */
  private static List<JsonNode> facets(JsonNode event) {
    List<JsonNode> all = new ArrayList<>();
    Stream.of(event.path("run").path("facets"), event.path("job").path("facets")).forEach(f -> f.elements().forEachRemaining(all::add));
    for (String side : List.of("inputs", "outputs")) {
      for (JsonNode d : event.path(side)) {
        d.path("facets").elements().forEachRemaining(all::add);
        d.path("outputFacets").elements().forEachRemaining(all::add);
        d.path("inputFacets").elements().forEachRemaining(all::add);
      }
    }
    return all;
  }

  /**
   * A facet's schema: the one its {@code _schemaURL} names, from the copy in the test resources
   * (of the spec version there, if the client names another).
   */
  private static JsonSchema facetSchema(JsonSchemaFactory schemas, String url) throws IOException {
    String document = url.substring(0, url.indexOf('#'));
    String file = document.substring(document.lastIndexOf('/') + 1);
    String fragment = url.substring(url.indexOf('#'));
    Path root = Path.of("src/test/resources/openlineage/spec/facets");
    try (Stream<Path> versions = Files.list(root)) {
      Iterator<Path> found = versions.filter(v -> Files.exists(v.resolve(file))).iterator();
      assertThat(found.hasNext()).as("a schema for " + url + " in " + root).isTrue();
      return schemas.getSchema(SchemaLocation.of("https://openlineage.io/spec/facets/" + found.next().getFileName() + "/" + file + fragment));
    }
  }
}

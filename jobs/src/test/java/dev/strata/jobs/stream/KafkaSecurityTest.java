package dev.strata.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.KafkaLocal;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that wants credentials: the pull and the kafka output reach it through its SASL
 * listener with the user and password the environment gives (scripts/kafka-local's SASL_PLAINTEXT
 * listener, mechanism PLAIN), the password never written anywhere Strata writes; a wrong password
 * leaves the topic's tables NOT_READY, saying why without the password; a missing one is exit 2.
 */
@IntegrationTest
class KafkaSecurityTest {
  @TempDir Path dir;

  private final KafkaLocal kafka = KafkaLocal.shared();

  private Path envFile(String name, Map<String, String> env) throws IOException {
    StringBuilder text = new StringBuilder();
    env.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void theSourceAndTheOutputReachASecuredBrokerWithTheEnvironmentsCredentialsAndNeverWriteThePassword() throws IOException {
    String suffix = Long.toHexString(System.nanoTime());
    String in = "secured_in_" + suffix;
    String out = "secured_out_" + suffix;
    kafka.createTopic(in, 2);
    kafka.createTopic(out, 1);
    Path definition = TinyPipeline.define(dir, "secured", """
        pipeline: secured
        sources:
          events:
            path: landing/events/{date}
            format: kafka
            options: {topic: %s}
            schema:
              id: string
              amount: string
        tables:
          events_raw:
            layer: bronze
            inputs: [events]
            sql: events_raw.sql
            outputs:
              - name: forward
                sink: kafka
                options: {topic: %s, key: id}
        """.formatted(in, out), "events_raw.sql", "SELECT * FROM events");
    List<KafkaLocal.Message> messages = new ArrayList<>();
    Instant at = Instant.parse("2024-03-01T10:00:00Z");
    for (int i = 0; i < 20; i++) {
      messages.add(new KafkaLocal.Message("e" + i, "{\"id\":\"e%d\",\"amount\":\"%d.50\"}".formatted(i, i), i % 2, at.plusSeconds(i).toEpochMilli()));
    }
    kafka.produce(in, messages);

    Map<String, String> sasl = kafka.saslEnv();
    String password = sasl.get("STRATA_KAFKA_PASSWORD");
    assertThat(sasl.get("STRATA_KAFKA_BOOTSTRAP_SERVERS")).isNotEqualTo(kafka.bootstrap());
    Path wh = dir.resolve("wh");
    Cli.Outcome run = Cli.run("run", definition.toString(), "--warehouse", wh.toString(), "--env-file", envFile("sasl.env", sasl).toString());
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out()).contains("kafka: events: batch 1, 20 messages landed in 2024-03-01");
    assertThat(SparkTestSession.get().read().format("delta").load(wh.resolve("bronze/events_raw").toString()).count()).isEqualTo(20);
    assertThat(kafka.readAll(out)).hasSize(20).allSatisfy(r -> assertThat(r.value()).contains("\"id\":\"" + r.key() + "\""));
    // The password is in the environment only: not in the output, nor in any file of the warehouse
    // (landing, tables, quarantine, ledger, reports).
    assertThat(run.out() + run.err()).doesNotContain(password);
    try (Stream<Path> files = Files.walk(wh)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(password);
      }
    }

    // A wrong password: the broker refuses, the topic's table waits (exit 5) and says why, without the password.
    Map<String, String> wrong = new java.util.LinkedHashMap<>(sasl);
    wrong.put("STRATA_KAFKA_PASSWORD", "not-" + password);
    Cli.Outcome refused = Cli.run("run", definition.toString(), "--warehouse", dir.resolve("wh2").toString(), "--env-file",
        envFile("wrong.env", wrong).toString());
    assertThat(refused.exit()).as(refused.toString()).isEqualTo(5);
    assertThat(refused.out()).contains("cannot pull source 'events'").containsIgnoringCase("authentication failed");
    assertThat(refused.out() + refused.err()).doesNotContain(password);

    // No password at all for a SASL broker: a mistake in the settings, exit 2 before anything is pulled, naming what to set.
    Map<String, String> missing = new java.util.LinkedHashMap<>(sasl);
    missing.remove("STRATA_KAFKA_PASSWORD");
    Cli.Outcome incomplete = Cli.run("run", definition.toString(), "--warehouse", dir.resolve("wh3").toString(), "--env-file",
        envFile("missing.env", missing).toString());
    assertThat(incomplete.exit()).as(incomplete.toString()).isEqualTo(2);
    assertThat(incomplete.err()).contains("SASL_PLAINTEXT needs a user and a password; set STRATA_KAFKA_USERNAME and STRATA_KAFKA_PASSWORD");

    // An output whose broker refuses the credentials (the source reads the plain listener): the table
    // publishes, the delivery fails at once, without retries (wrong credentials do not heal), exit 4.
    Files.writeString(definition.resolve("pipeline.yaml"), Files.readString(definition.resolve("pipeline.yaml"))
        .replace("options: {topic: " + out + ", key: id}", "options: {topic: " + out + ", key: id, bootstrap_servers: \""
            + sasl.get("STRATA_KAFKA_BOOTSTRAP_SERVERS") + "\", security_protocol: SASL_PLAINTEXT, sasl_mechanism: PLAIN}"));
    Map<String, String> plainSource = new java.util.LinkedHashMap<>(wrong);
    plainSource.put("STRATA_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap());
    plainSource.remove("STRATA_KAFKA_SECURITY_PROTOCOL");
    Path wh4 = dir.resolve("wh4");
    Cli.Outcome refusedOutput = Cli.run("run", definition.toString(), "--warehouse", wh4.toString(), "--env-file",
        envFile("output.env", plainSource).toString());
    assertThat(refusedOutput.exit()).as(refusedOutput.toString()).isEqualTo(4);
    assertThat(refusedOutput.out()).containsPattern("2024-03-01 +bronze +events_raw +PUBLISHED")
        .containsPattern("2024-03-01  output  events_raw\\.forward +FAILED");
    assertThat(refusedOutput.out() + refusedOutput.err()).doesNotContain(password);
    List<org.apache.spark.sql.Row> attempts = new dev.strata.jobs.ledger.Ledger(SparkTestSession.get(),
        dev.strata.jobs.io.Warehouse.at(wh4.toString())).read("deliveries").orElseThrow().collectAsList();
    assertThat(attempts).hasSize(1);
    assertThat(attempts.get(0).<String>getAs("message")).containsIgnoringCase("authentication failed").doesNotContain(password);
  }
}

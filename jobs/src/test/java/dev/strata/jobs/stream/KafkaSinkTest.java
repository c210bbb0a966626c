package dev.strata.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.KafkaLocal;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table delivered to a Kafka topic after its gate, against the real broker: each row once as a
 * keyed JSON message with headers naming the table, partition and version; a re-run of the same
 * partition sends nothing new, a rebuild that adds a row sends that row, a blocked partition
 * sends nothing; the ledger records what each delivery sent.
 */
@IntegrationTest
class KafkaSinkTest {
  @TempDir Path dir;

  @Test
  void eachPublishedRowReachesTheTopicOnceAcrossRerunsAndABlockedPartitionSendsNothing() throws IOException {
    KafkaLocal kafka = KafkaLocal.shared();
    String topic = "alerts_" + Long.toHexString(System.nanoTime());
    kafka.createTopic(topic, 2);
    Path definition = TinyPipeline.define(dir, "alerting", """
        pipeline: alerting
        sources:
          raw:
            path: landing/raw/{date}
            schema: {customer_id: string, risk: int, as_of_date: date}
        tables:
          at_risk:
            layer: bronze
            inputs: [raw]
            sql: at_risk.sql
            rules:
              error:
                - ColumnValues "risk" <= 100
            outputs:
              - name: alerts
                sink: kafka
                options: {topic: %s, key: customer_id}
        """.formatted(topic), "at_risk.sql", "SELECT customer_id, CAST(risk AS INT) AS risk, as_of_date FROM raw");
    Path wh = dir.resolve("wh");
    Path env = dir.resolve("kafka.env");
    Files.writeString(env, "STRATA_KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrap() + "\n");
    land(wh, "2024-03-01", "customer_id,risk,as_of_date\nc1,80,2024-03-01\nc2,95,2024-03-01\nc3,70,2024-03-01\n");

    Cli.Outcome first = run(definition, wh, env, "2024-03-01");
    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(first.out()).containsPattern("output +at_risk\\.alerts +DELIVERED +3 +kafka");
    List<ConsumerRecord<String, String>> sent = kafka.readAll(topic);
    assertThat(sent).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("c1", "c2", "c3");
    ConsumerRecord<String, String> c2 = sent.stream().filter(r -> r.key().equals("c2")).findFirst().orElseThrow();
    assertThat(c2.value()).isEqualTo("{\"customer_id\":\"c2\",\"risk\":95,\"as_of_date\":\"2024-03-01\"}");
    assertThat(new String(c2.headers().lastHeader("strata-table").value(), StandardCharsets.UTF_8)).isEqualTo("at_risk");
    assertThat(new String(c2.headers().lastHeader("strata-partition").value(), StandardCharsets.UTF_8)).isEqualTo("2024-03-01");

    // The same partition again, the same rows: a new version, nothing new to send.
    Cli.Outcome again = run(definition, wh, env, "2024-03-01");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(kafka.readAll(topic)).hasSize(3);

    // A row more: only it is sent.
    land(wh, "2024-03-01", "customer_id,risk,as_of_date\nc1,80,2024-03-01\nc2,95,2024-03-01\nc3,70,2024-03-01\nc4,90,2024-03-01\n");
    assertThat(run(definition, wh, env, "2024-03-01").exit()).isZero();
    assertThat(kafka.readAll(topic)).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("c1", "c2", "c3", "c4");

    // A partition its gate blocks is never sent.
    land(wh, "2024-03-02", "customer_id,risk,as_of_date\nc5,180,2024-03-02\n");
    Cli.Outcome blocked = run(definition, wh, env, "2024-03-02");
    assertThat(blocked.exit()).as(blocked.toString()).isEqualTo(3);
    assertThat(kafka.readAll(topic)).hasSize(4);

    // The ledger has what each delivery sent.
    List<Long> rows = SparkTestSession.get().read().format("delta").load(wh.resolve("_strata/ledger/deliveries").toString())
        .where("output = 'alerts'").orderBy("recorded_at").select("rows").collectAsList().stream().map(r -> r.getLong(0)).toList();
    assertThat(rows).containsExactly(3L, 0L, 1L);

    // A topic that does not exist: the delivery fails at once, saying so (the table stays published).
    Path yaml = definition.resolve("pipeline.yaml");
    Files.writeString(yaml, Files.readString(yaml).replace("topic: " + topic, "topic: " + topic + "_missing"));
    land(wh, "2024-03-03", "customer_id,risk,as_of_date\nc6,60,2024-03-03\n");
    Cli.Outcome missing = run(definition, wh, env, "2024-03-03");
    assertThat(missing.exit()).as(missing.toString()).isEqualTo(4);
    assertThat(missing.out()).contains("has no topic '" + topic + "_missing'; create it").containsPattern("at_risk +PUBLISHED");
  }

  private static Cli.Outcome run(Path definition, Path wh, Path env, String day) {
    return Cli.run("run", definition.toString(), "--warehouse", wh.toString(), "--env-file", env.toString(), "--date", day);
  }

  private static void land(Path wh, String day, String csv) throws IOException {
    Path folder = wh.resolve("landing/raw/" + day);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("raw.csv"), csv);
  }
}

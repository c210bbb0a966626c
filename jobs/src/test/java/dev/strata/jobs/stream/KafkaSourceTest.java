package dev.strata.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.KafkaLocal;
import dev.strata.jobs.testing.StrataProcess;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka topic as a source, against the real broker: each run lands what is new, by the offsets
 * the ledger recorded, in folders by the messages' arrival day; bronze has every message once
 * across re-runs and across a pull killed with SIGKILL after its files landed and before the
 * ledger recorded them; messages that do not decode are quarantined with topic, partition and
 * offset; late events (by the event time in the message) rebuild their event day within a silver
 * table's lookback and are quarantined beyond it.
 */
@IntegrationTest
class KafkaSourceTest {
  private static final Instant DAY1 = Instant.parse("2024-03-01T10:00:00Z");
  private static final Instant DAY2 = Instant.parse("2024-03-02T10:00:00Z");
  private static final Instant DAY3 = Instant.parse("2024-03-03T10:00:00Z");

  @TempDir Path dir;
  private KafkaLocal kafka;
  private String topic;
  private Path definition;
  private Path wh;
  private Path envFile;

  @BeforeEach
  void pipeline() throws IOException {
    kafka = KafkaLocal.shared();
    topic = "tickets_" + Long.toHexString(System.nanoTime());
    kafka.createTopic(topic, 3);
    definition = TinyPipeline.define(dir, "tickets", """
        pipeline: tickets
        sources:
          ticket_events:
            path: landing/tickets/{date}
            format: kafka
            options: {topic: %s}
            schema:
              ticket_id: string
              customer_id: string
              opened_at: string
              _kafka_key: string
              _kafka_offset: string
        tables:
          tickets_raw:
            layer: bronze
            inputs: [ticket_events]
            sql: tickets_raw.sql
        """.formatted(topic), "tickets_raw.sql", "SELECT * FROM ticket_events");
    wh = dir.resolve("wh");
    envFile = dir.resolve("kafka.env");
    Files.writeString(envFile, "STRATA_KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrap() + "\n");
  }

  /** Tickets t{from} .. t{to - 1}, produced at {@code at} plus a second each, spread over the topic's partitions. */
  private List<KafkaLocal.Message> tickets(int from, int to, Instant at) {
    List<KafkaLocal.Message> messages = new ArrayList<>();
    for (int i = from; i < to; i++) {
      String value = "{\"ticket_id\":\"t%d\",\"customer_id\":\"c%d\",\"opened_at\":\"%s\"}".formatted(i, i % 7, at.plusSeconds(i));
      messages.add(new KafkaLocal.Message("t" + i, value, i % 3, at.plusSeconds(i).toEpochMilli()));
    }
    return messages;
  }

  private Cli.Outcome run() {
    return Cli.run("run", definition.toString(), "--warehouse", wh.toString(), "--env-file", envFile.toString());
  }

  private Dataset<Row> bronze() {
    return SparkTestSession.get().read().format("delta").load(wh.resolve("bronze/tickets_raw").toString());
  }

  @Test
  void everyMessageLandsOnceAcrossRerunsAndUndecodableOnesAreQuarantinedWithTheirOffsets() {
    List<KafkaLocal.Message> first = new ArrayList<>(tickets(0, 120, DAY1));
    first.addAll(tickets(120, 200, DAY2));
    first.add(new KafkaLocal.Message("bad1", "{oops", 0, DAY1.toEpochMilli()));
    first.add(new KafkaLocal.Message("bad2", "[1, 2]", 1, DAY2.toEpochMilli()));
    first.add(new KafkaLocal.Message("bad3", null, 2, DAY2.toEpochMilli()));
    kafka.produce(topic, first);

    Cli.Outcome one = run();
    assertThat(one.exit()).as(one.toString()).isZero();
    assertThat(one.out()).contains("kafka: ticket_events: batch 1, 203 messages landed in 2 partitions (2024-03-01 .. 2024-03-02)");
    assertThat(bronze().count()).isEqualTo(200);
    assertThat(bronze().where("as_of_date = DATE'2024-03-01'").count()).isEqualTo(120);
    assertThat(keys(bronze())).isEqualTo(expectedKeys(200));
    // The three that do not decode: quarantined with where they were in the topic and what they held.
    List<String> quarantined = SparkTestSession.get().read().format("delta").load(wh.resolve("_quarantine/tickets_raw").toString())
        .toJSON().collectAsList();
    assertThat(quarantined).hasSize(3);
    assertThat(String.join("\n", quarantined))
        .containsPattern(topic + "\\[0\\]@\\d+: \\{oops")
        .containsPattern(topic + "\\[1\\]@\\d+: \\[1, 2\\]")
        .containsPattern(topic + "\\[2\\]@\\d+: \\(no value\\)")
        .contains("the message's value is not a JSON object of the declared fields");

    // Nothing new: nothing landed, nothing built again, nothing doubled.
    Cli.Outcome again = run();
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).contains("kafka: ticket_events: no new messages").contains("Nothing to do");
    assertThat(bronze().count()).isEqualTo(200);

    // More, some for a day already built: that day is rebuilt whole, with each message once.
    List<KafkaLocal.Message> more = new ArrayList<>(tickets(200, 230, DAY2));
    more.addAll(tickets(230, 260, DAY3));
    kafka.produce(topic, more);
    Cli.Outcome three = run();
    assertThat(three.exit()).as(three.toString()).isZero();
    assertThat(three.out()).contains("batch 2, 60 messages landed in 2 partitions (2024-03-02 .. 2024-03-03)");
    assertThat(bronze().count()).isEqualTo(260);
    assertThat(keys(bronze())).isEqualTo(expectedKeys(260));
    assertThat(bronze().where("as_of_date = DATE'2024-03-02'").count()).isEqualTo(110);
  }

  @Test
  void aPullKilledAfterItsFilesLandedAndBeforeTheLedgerRecordedThemLandsThatBatchAgainOnce() throws Exception {
    kafka.produce(topic, tickets(0, 150, DAY1));
    StrataProcess killed = StrataProcess.start(dir.resolve("logs"), "killed", "pause:ticket_events:record-landed:300000",
        "run", definition.toString(), "--warehouse", wh.toString(), "--env-file", envFile.toString());
    killed.awaitOutput("strata-fault: paused ticket_events at record-landed", Duration.ofMinutes(3));
    killed.kill();
    assertThat(killed.await(Duration.ofMinutes(1))).as(killed.toString()).isNotZero();
    // Its files are there, the ledger says the batch is only planned, bronze has nothing yet.
    try (var landed = Files.walk(wh.resolve("landing/tickets"))) {
      assertThat(landed.filter(f -> f.getFileName().toString().contains("-b000001-"))).isNotEmpty();
    }
    assertThat(Files.exists(wh.resolve("bronze/tickets_raw"))).isFalse();

    // Meanwhile more arrived: the next run lands batch 1 again (the same offsets), then the rest.
    kafka.produce(topic, tickets(150, 180, DAY1));
    Cli.Outcome resumed = run();
    assertThat(resumed.exit()).as(resumed.toString()).isZero();
    assertThat(resumed.out()).contains("batch 1, 150 messages landed in 2024-03-01 (again: the last pull did not finish it)");
    Cli.Outcome next = run();
    assertThat(next.out()).contains("batch 2, 30 messages landed in 2024-03-01");
    assertThat(bronze().count()).isEqualTo(180);
    assertThat(keys(bronze())).isEqualTo(expectedKeys(180));
  }

  @Test
  void lateEventsRebuildTheirEventDayWithinTheLookbackAndAreQuarantinedBeyondIt() throws IOException {
    Files.writeString(definition.resolve("pipeline.yaml"), Files.readString(definition.resolve("pipeline.yaml")) + """
          tickets:
            layer: silver
            inputs: [tickets_raw]
            partition_column: opened_day
            event_time:
              expression: CAST(opened_at AS DATE)
              lookback: 3d
            key: [ticket_id]
            max_quarantine_ratio: 0.5
            sql: tickets.sql
        """);
    Files.writeString(definition.resolve("tickets.sql"),
        "SELECT ticket_id, customer_id, CAST(opened_at AS DATE) AS opened_day FROM tickets_raw");
    // Arriving on 2024-03-05: 5 opened that day, 2 on 03-03 and 2 on 03-02 (2 and 3 days late), 1 on 02-28 (6 days late).
    Instant arrival = Instant.parse("2024-03-05T12:00:00Z");
    List<KafkaLocal.Message> messages = new ArrayList<>();
    IntStream.range(0, 10).forEach(i -> {
      String opened = i < 5 ? "2024-03-05T08:00:00Z" : i < 7 ? "2024-03-03T08:00:00Z" : i < 9 ? "2024-03-02T08:00:00Z" : "2024-02-28T08:00:00Z";
      messages.add(new KafkaLocal.Message("t" + i, "{\"ticket_id\":\"t%d\",\"customer_id\":\"c1\",\"opened_at\":\"%s\"}".formatted(i, opened),
          i % 3, arrival.plusSeconds(i).toEpochMilli()));
    });
    kafka.produce(topic, messages);

    Cli.Outcome run = run();
    assertThat(run.exit()).as(run.toString()).isZero();
    Dataset<Row> silver = SparkTestSession.get().read().format("delta").load(wh.resolve("silver/tickets").toString());
    assertThat(silver.where("opened_day = DATE'2024-03-05'").count()).isEqualTo(5);
    assertThat(silver.where("opened_day = DATE'2024-03-03'").count()).isEqualTo(2);
    assertThat(silver.where("opened_day = DATE'2024-03-02'").count()).isEqualTo(2);
    assertThat(silver.where("opened_day < DATE'2024-03-02'").count()).isZero();
    assertThat(run.out()).contains("late: 2 rows landed after 2024-03-03: 2024-03-05 (2)");
    List<Row> late = SparkTestSession.get().read().format("delta").load(wh.resolve("_quarantine/tickets").toString())
        .where("array_contains(_strata_failed_rules, 'late: beyond lookback of 3d')").collectAsList();
    assertThat(late).hasSize(1);
    assertThat(late.get(0).<String>getAs("ticket_id")).isEqualTo("t9");
  }

  private static Set<String> keys(Dataset<Row> rows) {
    return rows.select("_kafka_key").collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
  }

  private static Set<String> expectedKeys(int n) {
    return IntStream.range(0, n).mapToObj(i -> "t" + i).collect(Collectors.toSet());
  }
}

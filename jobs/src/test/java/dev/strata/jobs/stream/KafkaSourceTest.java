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

    // What the ledger says of the topic, without asking the broker: the last batch and where the next begins.
    Cli.Outcome status = Cli.run("status", definition.toString(), "--warehouse", wh.toString());
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.out()).contains("Streams:\n    ticket_events (topic " + topic + "): batch 2, 60 messages, landed ")
        .containsPattern("the next pull starts at offsets 0:\\d+, 1:\\d+, 2:\\d+");
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

  @Test
  void aScheduleLandsWhatArrivedAndBuildsEveryPartitionItLandedIn() throws IOException {
    Files.writeString(definition.resolve("pipeline.yaml"), Files.readString(definition.resolve("pipeline.yaml")) + """
        schedules:
          minutely:
            cron: "* * * * *"
            timezone: UTC
        """);
    // Messages of the last minutes, and a producer's that held its messages for two days: they
    // land by their Kafka timestamp, in the partition of two days ago, outside any interval the
    // schedule runs now.
    Instant now = Instant.now();
    Instant held = now.minus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(Duration.ofHours(12));
    List<KafkaLocal.Message> first = new ArrayList<>(tickets(0, 40, now.minusSeconds(120)));
    first.addAll(tickets(40, 50, held));
    kafka.produce(topic, first);

    // `strata schedule`: its first tick runs the interval that closed last; SIGTERM ends it.
    Path logs = dir.resolve("logs");
    StrataProcess scheduler = StrataProcess.start(logs, "schedule", null, "schedule", "--pipelines", definition.toString(),
        "--warehouse", wh.toString(), "--env-file", envFile.toString());
    scheduler.awaitOutput("tickets.minutely: .*ended with exit code 0", Duration.ofMinutes(3));
    scheduler.terminate();
    scheduler.await(Duration.ofMinutes(2));
    String heldDay = held.toString().substring(0, 10);
    assertThat(scheduler.stdout()).as(scheduler.toString())
        .contains("kafka: ticket_events: batch 1, 50 messages landed in")
        .containsPattern("kafka: messages landed in [^\\n]*" + heldDay + "[^\\n]*, outside the scheduled interval: the tables that read them build those too")
        .containsPattern(heldDay + " +bronze +tickets_raw +PUBLISHED +10 ");
    assertThat(bronze().count()).isEqualTo(50);
    assertThat(keys(bronze())).isEqualTo(expectedKeys(50));

    // The same job from plain cron (`strata run --schedule`) goes on from the offsets the
    // scheduler's run recorded: every message once.
    kafka.produce(topic, tickets(50, 70, Instant.now()));
    Cli.Outcome cron = Cli.run("run", definition.toString(), "--schedule", "minutely", "--warehouse", wh.toString(),
        "--env-file", envFile.toString());
    assertThat(cron.exit()).as(cron.toString()).isZero();
    assertThat(cron.out()).contains("kafka: ticket_events: batch 2, 20 messages landed in");
    assertThat(bronze().count()).isEqualTo(70);
    assertThat(keys(bronze())).isEqualTo(expectedKeys(70));
  }

  @Test
  void aTopicCreatedAgainIsRefusedUntilTheSourceIsStartedOverAndNothingIsSkippedOrDoubled() {
    kafka.produce(topic, tickets(0, 30, DAY1));
    assertThat(run().exit()).isZero();
    assertThat(bronze().count()).isEqualTo(30);

    // The topic is deleted and created again: its offsets start at 0, below the 30 the ledger recorded.
    kafka.recreateTopic(topic, 3);
    kafka.produce(topic, tickets(30, 36, DAY1));
    Cli.Outcome refused = run();
    assertThat(refused.exit()).as(refused.toString()).isEqualTo(5);
    assertThat(refused.out()).contains("Cannot pull source 'ticket_events': partition ")
        .contains("of topic '" + topic + "' ends at offset 2, but the batches landed so far end at offset 10: the topic was deleted and"
            + " created again (or truncated)")
        .contains("strata run tickets --reset-stream ticket_events");
    assertThat(bronze().count()).isEqualTo(30);

    // Started over by hand: the new topic's messages land from its beginning, each once.
    Cli.Outcome over = Cli.run("run", definition.toString(), "--warehouse", wh.toString(), "--env-file", envFile.toString(),
        "--reset-stream", "ticket_events");
    assertThat(over.exit()).as(over.toString()).isZero();
    assertThat(over.out()).contains("Source 'ticket_events' started over").contains("kafka: ticket_events: batch 3, 6 messages landed in 2024-03-01");
    assertThat(bronze().count()).isEqualTo(36);
    assertThat(keys(bronze())).isEqualTo(expectedKeys(36));
    assertThat(run().out()).contains("kafka: ticket_events: no new messages");

    Cli.Outcome wrong = Cli.run("run", definition.toString(), "--warehouse", wh.toString(), "--env-file", envFile.toString(),
        "--reset-stream", "tickets_raw");
    assertThat(wrong.exit()).isEqualTo(2);
    assertThat(wrong.err()).contains("--reset-stream tickets_raw names no Kafka source; the pipeline's are [ticket_events]");
  }

  private static Set<String> keys(Dataset<Row> rows) {
    return rows.select("_kafka_key").collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
  }

  private static Set<String> expectedKeys(int n) {
    return IntStream.range(0, n).mapToObj(i -> "t" + i).collect(Collectors.toSet());
  }
}

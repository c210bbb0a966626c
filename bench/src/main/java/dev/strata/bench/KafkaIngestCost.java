package dev.strata.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.to_date;

import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Scenario "kafka": ingesting {@code --kafka-messages} JSON messages (default 2M) from a topic into
 * bronze with Strata (the pull lands them by recorded offsets, bronze reads, decodes, checks and
 * publishes them, the ledger records it all) against a plain Spark job that reads the same offsets
 * with the Kafka source, decodes the values and writes them to a Delta table. The broker is a real
 * one (scripts/kafka-local) on the same two cores.
 */
final class KafkaIngestCost implements Scenario {
  private static final Instant ARRIVAL = Instant.parse("2024-03-01T08:00:00Z");
  private static final StructType VALUE =
      StructType.fromDDL("ticket_id STRING, customer_id STRING, priority STRING, channel STRING, opened_at STRING");

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public Outcome run(SparkSession spark, Path work, Options options) throws IOException {
    int messages = options.kafkaMessages();
    String bootstrap = broker(options);
    String topic = "bench_tickets_" + Long.toHexString(System.nanoTime());
    produce(bootstrap, topic, messages);

    Path folder = work.resolve("conf/tickets");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("pipeline.yaml"), """
        pipeline: tickets
        sources:
          ticket_events:
            path: landing/tickets/{date}
            format: kafka
            options: {topic: %s}
            schema:
              ticket_id: string
              customer_id: string
              priority: string
              channel: string
              opened_at: string
        tables:
          tickets_raw:
            layer: bronze
            inputs: [ticket_events]
            sql: tickets_raw.sql
        """.formatted(topic));
    Files.writeString(folder.resolve("tickets_raw.sql"), "SELECT * FROM ticket_events");
    Pipeline pipeline = PipelineValidator.validateOrThrow(folder.resolve("pipeline.yaml"), "tickets");

    List<Double> plain = new ArrayList<>();
    List<Double> strata = new ArrayList<>();
    StageProfile profiler = StageProfile.attach(spark.sparkContext());
    StageProfile.Profile plainProfile = StageProfile.Profile.empty();
    StageProfile.Profile strataProfile = StageProfile.Profile.empty();
    for (int i = -1; i < options.repeats(); i++) { // i = -1: warm-up, not counted
      for (boolean engine : i % 2 == 0 ? List.of(true, false) : List.of(false, true)) {
        profiler.start();
        double s = engine ? strata(spark, pipeline, work.resolve("warehouse-" + i), bootstrap, messages)
            : plain(spark, work.resolve("plain"), bootstrap, topic, messages);
        StageProfile.Profile p = profiler.stop();
        System.out.printf(Locale.ROOT, "kafka: %s %,d messages in %.1fs%n", engine ? "strata" : "plain", messages, s);
        if (i >= 0) {
          (engine ? strata : plain).add(s);
          if (engine) {
            strataProfile = strataProfile.plus(p);
          } else {
            plainProfile = plainProfile.plus(p);
          }
        }
      }
    }
    List<Comparison> comparisons = List.of(new Comparison(name(),
        String.format(Locale.ROOT, "kafka: %,d messages into bronze vs a plain Spark read of the same offsets written to Delta", messages),
        messages, plain, strata, Comparison.Kind.COST, 1.3));
    String whereTimeGoes = StageProfile.difference("plain", plainProfile, Comparison.median(plain), "strata", strataProfile,
        Comparison.median(strata), options.repeats(), 10);
    return new Outcome(comparisons, notes(messages, options.repeats()) + "\nWhere the time goes, per run:\n\n" + whereTimeGoes);
  }

  /** Strata's run over a new warehouse: the pull, then bronze; its seconds. */
  private static double strata(SparkSession spark, Pipeline pipeline, Path warehouse, String bootstrap, int messages) {
    long start = System.nanoTime();
    EngineContext ctx = new EngineContext(spark, Warehouse.at(warehouse.toString()), Clock.systemUTC(), new PrintWriter(new StringWriter()),
        Map.of("STRATA_KAFKA_BOOTSTRAP_SERVERS", bootstrap), dev.strata.jobs.engine.Steps.DIRECT, dev.strata.jobs.run.Invocation.DEFAULT,
        dev.strata.jobs.cli.ExitCodes::of);
    PipelineRunner runner = new PipelineRunner(ctx);
    RunRequest request = runner.incrementalRequest(pipeline,
        new RunRequest(List.of(dev.strata.api.Partition.day(java.time.LocalDate.EPOCH)), Optional.empty(), Set.of(), "bench"), false, false);
    RunResult result = runner.run(pipeline, request);
    double seconds = (System.nanoTime() - start) / 1e9;
    Bench.check(result, "kafka: strata");
    long rows = spark.read().format("delta").load(warehouse.resolve("bronze/tickets_raw").toString()).count();
    if (rows != messages) {
      throw new IllegalStateException("bench: kafka: bronze holds " + rows + " rows, expected " + messages);
    }
    return seconds;
  }

  /** The hand-written job: the Kafka source between the topic's offsets, the values decoded, a Delta write; its seconds. */
  private static double plain(SparkSession spark, Path table, String bootstrap, String topic, int messages) {
    long start = System.nanoTime();
    Dataset<Row> read = spark.read().format("kafka").option("kafka.bootstrap.servers", bootstrap).option("subscribe", topic)
        .option("startingOffsets", "earliest").option("endingOffsets", "latest").load();
    Dataset<Row> rows = read.select(from_json(col("value").cast("string"), VALUE).as("v"), col("timestamp"))
        .select(col("v.*"), to_date(col("timestamp")).as("as_of_date"), current_timestamp().as("_ingested_at"));
    rows.write().format("delta").mode(SaveMode.Overwrite).partitionBy("as_of_date").save(table.toString());
    double seconds = (System.nanoTime() - start) / 1e9;
    long n = spark.read().format("delta").load(table.toString()).count();
    if (n != messages) {
      throw new IllegalStateException("bench: kafka: the plain job wrote " + n + " rows, expected " + messages);
    }
    return seconds;
  }

  /** The messages: tickets as JSON, over two partitions, all arriving on one day. */
  private static void produce(String bootstrap, String topic, int messages) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("bench: could not create topic " + topic, e);
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    long start = System.nanoTime();
    String[] priorities = {"low", "normal", "high", "urgent"};
    String[] channels = {"email", "phone", "chat"};
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < messages; i++) {
        Instant at = ARRIVAL.plusMillis(i % 50_000_000);
        String value = String.format(Locale.ROOT, "{\"ticket_id\":\"T%08d\",\"customer_id\":\"C%06d\",\"priority\":\"%s\",\"channel\":\"%s\","
            + "\"opened_at\":\"%s\"}", i, i % 250_000, priorities[i % 4], channels[i % 3], at);
        producer.send(new ProducerRecord<>(topic, i % 2, at.toEpochMilli(), "T" + i, value));
      }
      producer.flush();
    }
    System.out.printf(Locale.ROOT, "kafka: produced %,d messages in %.0fs%n", messages, (System.nanoTime() - start) / 1e9);
  }

  /** Starts the scenario's broker (scripts/kafka-local, a state folder of its own) and returns its address. */
  private static String broker(Options options) throws IOException {
    Path script = options.conf().getParent().resolve("scripts/kafka-local");
    ProcessBuilder pb = new ProcessBuilder(script.toString(), "start").redirectErrorStream(true);
    pb.environment().put("STRATA_KAFKA_DIR", Path.of(System.getProperty("java.io.tmpdir"), "strata-kafka-bench").toString());
    Process p = pb.start();
    try {
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("bench: scripts/kafka-local start did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    String last = out.lines().reduce((a, b) -> b).orElse("");
    if (p.exitValue() != 0 || !last.matches("127\\.0\\.0\\.1:\\d+")) {
      throw new IllegalStateException("bench: scripts/kafka-local start failed: " + out);
    }
    return last;
  }

  @Override
  public String analysis() {
    return """
        The target is missed by design, and the profile says where: Strata reads the topic once,
        as the plain job does, but writes every message twice. The pull lands the batch as
        Parquet files in the source's landing folders (the stage `KafkaPull ... parquet`: the
        Kafka read and a Parquet write, about 13 s of executor time at 2M against the whole
        plain job's 18), and bronze then reads them back, decodes and checks the values and
        writes Delta (`InPlaceWrite ... writeFiles`, about as much again). The landed copy is what makes
        the batch exactly once without trusting Kafka to keep it: a killed pull is redone from
        recorded offsets, and bronze can be rebuilt (a full refresh, a fixed transform) long
        after the topic's retention has deleted the messages, as it can from any landed file.
        What would meet the target is a pull that writes bronze in its own pass (the Kafka read,
        the decode and the Delta commit with the batch's offsets in one job) and keeps the raw
        copy only as an option; the Kafka read itself is the larger part of the plain job, so
        that path would cost little more than it. Left for a later change: the landing copy is
        the safer default.
        """;
  }

  private static String notes(int messages, int repeats) {
    return String.format(Locale.ROOT, """
        %,d messages on a topic of two partitions (JSON tickets of five text fields, about 140 bytes,
        all arriving on one day), on a local Kafka 4 broker (scripts/kafka-local) sharing the two
        cores. Strata: an incremental `strata run` of a pipeline whose bronze table reads the topic
        (`format: kafka`), on a new warehouse each time: the pull records the batch's offsets,
        reads them with Spark's Kafka source and lands them as Parquet files, then bronze reads
        those, decodes each value (a value that does not decode would be quarantined with its
        offset), counts and checks the rows and publishes them, and the ledger records every step.
        Plain: `spark.read.format("kafka")` over the same offsets, `from_json` of each value, a
        Delta write partitioned by arrival day. Median of %d after a warm-up, the sides alternating.
        """, messages, repeats);
  }
}

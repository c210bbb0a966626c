package dev.strata.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;

import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.definition.PathTemplate;
import dev.strata.jobs.definition.SourceDefinition;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Partitions;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.StreamBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * Lands a Kafka source's new messages as files, exactly once: the offsets of a batch are fixed and
 * recorded in the ledger (PLANNED) before anything is read, its messages read between them with
 * Spark's Kafka source (a bounded batch read), written into the source's landing folders (one per
 * partition of the messages' arrival time, their Kafka timestamp) under names that carry the batch,
 * and the batch recorded LANDED. A pull killed anywhere in between leaves its batch PLANNED: the
 * next pull first removes whatever that batch landed and lands it again over the same offsets,
 * then goes on from its end. Bronze then reads the landed files like any others, and rebuilds the
 * partitions they changed (whole, as every build does), so a message is in bronze once.
 *
 * <p>Runs that pull the same source at once are kept apart by the caller (a lease); the offsets
 * come from the ledger alone, never from the broker's consumer groups.
 */
public final class KafkaPull {
  /** Where a kafka source finds its broker unless its options say otherwise. */
  public static final String BOOTSTRAP_ENV = dev.strata.jobs.io.KafkaClients.BOOTSTRAP_ENV;
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final SparkSession spark;
  private final Warehouse warehouse;
  private final Ledger ledger;
  private final Map<String, String> env;
  private final Clock clock;

  public KafkaPull(SparkSession spark, Warehouse warehouse, Ledger ledger, Map<String, String> env, Clock clock) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.ledger = ledger;
    this.env = env;
    this.clock = clock;
  }

  /**
   * What one pull landed.
   *
   * @param batch its number
   * @param messages messages landed
   * @param partitions the source partitions they landed in
   * @param redone whether it was a batch an earlier pull had planned and not finished
   * @param skipped messages the topic no longer held (deleted by retention before they were pulled)
   */
  public record Pulled(long batch, long messages, SortedSet<Partition> partitions, boolean redone, long skipped) {
    public String describe(String source) {
      return String.format(java.util.Locale.ROOT, "%s: batch %d, %,d message%s landed in %s%s%s", source, batch, messages,
          messages == 1 ? "" : "s", partitions.isEmpty() ? "no partition" : partitions.first().equals(partitions.last())
              ? partitions.first().toString() : partitions.size() + " partitions (" + partitions.first() + " .. " + partitions.last() + ")",
          redone ? " (again: the last pull did not finish it)" : "",
          skipped > 0 ? "; " + skipped + " messages were deleted by the topic's retention before they could be pulled" : "");
    }
  }

  /** The broker a source reads: its option, or the environment variable it (or the default) names. */
  public String bootstrap(SourceDefinition source) {
    return dev.strata.jobs.io.KafkaClients.bootstrap(source.options(), env::get, "source '" + source.name() + "'");
  }

  /** The source's client security settings (Kafka's property names; none for PLAINTEXT): its options, else the environment. */
  public Map<String, String> security(SourceDefinition source) {
    return dev.strata.jobs.io.KafkaClients.security(source.options(), env::get, "source '" + source.name() + "'");
  }

  /**
   * A batch to land: its number, each topic partition's offsets [start, end), whether an earlier
   * pull planned it and did not finish, and how many messages retention deleted before they could
   * be pulled.
   */
  public record Batch(String topic, long number, Map<Integer, long[]> ranges, boolean redone, long skipped) {
    public long messages() {
      return ranges.values().stream().mapToLong(r -> r[1] - r[0]).sum();
    }
  }

  /**
   * The next batch of the source's topic: the one an earlier pull planned and did not land, else
   * what is new (at most {@code max_messages}), recorded PLANNED before anything is read; empty if
   * nothing is new.
   *
   * @throws StrataException.JobFailedException if the topic does not exist
   * @throws org.apache.kafka.common.KafkaException if the broker cannot be reached (transient)
   */
  public java.util.Optional<Batch> next(String pipeline, SourceDefinition source, String runId) {
    String topic = source.options().get("topic");
    List<StreamBatch> last = ledger.latestStreamBatch(pipeline, source.name());
    Map<Integer, long[]> ranges = new TreeMap<>();
    boolean reset = last.stream().anyMatch(b -> b.status().equals(StreamBatch.RESET));
    if (!last.isEmpty() && !reset && last.stream().anyMatch(b -> !b.status().equals(StreamBatch.LANDED))) {
      last.forEach(b -> ranges.put(b.kafkaPartition(), new long[] {b.startOffset(), b.endOffset()}));
      return java.util.Optional.of(new Batch(topic, last.get(0).batch(), ranges, true, 0));
    }
    String bootstrap = bootstrap(source);
    Duration timeout = timeout(source);
    long batch = last.isEmpty() ? 1 : last.get(0).batch() + 1;
    Map<Integer, Long> from = new TreeMap<>();
    if (!reset) {
      last.forEach(b -> from.put(b.kafkaPartition(), b.endOffset()));
    }
    long skipped = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, security(source), timeout)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        throw new StrataException.JobFailedException("Cannot pull source '" + source.name() + "': the broker " + bootstrap
            + " has no topic '" + topic + "'. Create it, or fix sources." + source.name() + ".options.topic.", null);
      }
      List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      boolean latest = from.isEmpty() && source.options().getOrDefault("starting_offsets", "earliest").equals("latest");
      behind(pipeline, source, topic, from, partitions, end);
      for (TopicPartition tp : partitions) {
        long start = from.getOrDefault(tp.partition(), latest ? end.get(tp) : begin.get(tp));
        if (start < begin.get(tp)) {
          skipped += begin.get(tp) - start;
          start = begin.get(tp);
        }
        ranges.put(tp.partition(), new long[] {start, Math.max(start, end.get(tp))});
      }
    }
    bound(ranges, source.options().get("max_messages"));
    if (ranges.values().stream().allMatch(r -> r[1] == r[0])) {
      return java.util.Optional.empty();
    }
    ledger.streamBatch(parts(pipeline, source.name(), batch, topic, ranges, StreamBatch.PLANNED, runId));
    return java.util.Optional.of(new Batch(topic, batch, ranges, false, skipped));
  }

  /**
   * Refuses to pull a topic whose offsets no longer follow what the ledger recorded: a partition
   * that ends before the offset the landed batches reached, or that is gone (the topic was deleted
   * and created again, or truncated). Pulling it anyway would skip the new topic's first messages,
   * or land them again over what bronze has; nothing is landed until someone decides.
   */
  private static void behind(String pipeline, SourceDefinition source, String topic, Map<Integer, Long> from, List<TopicPartition> partitions,
      Map<TopicPartition, Long> end) {
    for (Map.Entry<Integer, Long> f : from.entrySet()) {
      Long last = end.get(new TopicPartition(topic, f.getKey()));
      if (last == null || last < f.getValue()) {
        throw new StrataException.JobFailedException(String.format(java.util.Locale.ROOT,
            "Cannot pull source '%s': partition %d of topic '%s' %s, but the batches landed so far end at offset %d: the topic was deleted"
                + " and created again (or truncated), so its offsets no longer follow what the ledger recorded, and nothing was landed."
                + " If that was on purpose, start the source over: strata run %s --reset-stream %s (its next pull begins at its"
                + " starting_offsets; what it landed before stays)", source.name(), f.getKey(), topic,
            last == null ? "is gone (the topic has " + partitions.size() + ")" : "ends at offset " + last, f.getValue(), pipeline,
            source.name()), null);
      }
    }
  }

  /**
   * Starts a source over ({@code strata run --reset-stream}): its next pull begins at its starting
   * offsets, as a first pull does, in a new batch (what it landed before stays where it is).
   */
  public void reset(String pipeline, SourceDefinition source, String runId) {
    List<StreamBatch> last = ledger.latestStreamBatch(pipeline, source.name());
    long batch = last.isEmpty() ? 0 : last.get(0).batch();
    ledger.streamBatch(List.of(new StreamBatch(pipeline, source.name(), batch + 1, source.options().get("topic"), -1, 0, 0, StreamBatch.RESET,
        runId, clock.instant())));
  }

  /**
   * Lands a batch's messages: first removes whatever an unfinished pull of it landed, then writes
   * them into the source's folders.
   */
  public Pulled land(SourceDefinition source, Batch batch) {
    PathTemplate template = PathTemplate.of(source.path());
    removeLanded(template, batch.topic(), batch.number());
    SortedSet<Partition> landed = land(source, template, batch.topic(), bootstrap(source), batch.number(), batch.ranges());
    return new Pulled(batch.number(), batch.messages(), landed, batch.redone(), batch.skipped());
  }

  /** Records the batch LANDED: the next pull goes on from its end. */
  public void landed(String pipeline, SourceDefinition source, Batch batch, String runId) {
    ledger.streamBatch(parts(pipeline, source.name(), batch.number(), batch.topic(), batch.ranges(), StreamBatch.LANDED, runId));
  }

  private static Duration timeout(SourceDefinition source) {
    return java.util.Optional.ofNullable(source.options().get("timeout")).map(dev.strata.jobs.definition.Durations::parse).orElse(DEFAULT_TIMEOUT);
  }

  /** Cuts the ranges to at most {@code max} messages in all, each partition its share (at least one). */
  static void bound(Map<Integer, long[]> ranges, String max) {
    if (max == null) {
      return;
    }
    long limit = Long.parseLong(max.strip());
    long total = ranges.values().stream().mapToLong(r -> r[1] - r[0]).sum();
    if (total <= limit) {
      return;
    }
    for (long[] r : ranges.values()) {
      long share = (long) Math.ceil((double) (r[1] - r[0]) * limit / total);
      r[1] = Math.min(r[1], r[0] + share);
    }
  }

  private List<StreamBatch> parts(String pipeline, String source, long batch, String topic, Map<Integer, long[]> ranges, String status,
      String runId) {
    java.time.Instant now = clock.instant();
    List<StreamBatch> parts = new ArrayList<>();
    ranges.forEach((p, r) -> parts.add(new StreamBatch(pipeline, source, batch, topic, p, r[0], r[1], status, runId, now)));
    return parts;
  }

  /** A file of batch {@code batch}: {@code kafka-TOPIC-b000012-N.parquet}. */
  static String fileName(String topic, long batch, int n) {
    return prefix(topic, batch) + n + ".parquet";
  }

  private static String prefix(String topic, long batch) {
    return String.format(java.util.Locale.ROOT, "kafka-%s-b%06d-", topic, batch);
  }

  /** Removes what an unfinished pull of this batch landed, wherever it got to. */
  private void removeLanded(PathTemplate template, String topic, long batch) {
    String pattern = warehouse.resolve(PathTemplate.TOKEN.matcher(template.path()).replaceAll("*")) + "/" + prefix(topic, batch) + "*";
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    files.glob(pattern).forEach(files::delete);
  }

  private SortedSet<Partition> land(SourceDefinition source, PathTemplate template, String topic, String bootstrap, long batch,
      Map<Integer, long[]> ranges) {
    Map<Integer, long[]> nonEmpty = new TreeMap<>();
    ranges.forEach((p, r) -> {
      if (r[1] > r[0]) {
        nonEmpty.put(p, r);
      }
    });
    SortedSet<Partition> landed = new TreeSet<>();
    if (nonEmpty.isEmpty()) {
      return landed;
    }
    Partition.Granularity granularity = template.granularity();
    org.apache.spark.sql.DataFrameReader reader = spark.read().format("kafka");
    security(source).forEach((k, v) -> reader.option("kafka." + k, v));
    Dataset<Row> messages = reader
        .option("kafka.bootstrap.servers", bootstrap)
        .option("assign", "{\"" + topic + "\":" + nonEmpty.keySet() + "}")
        .option("startingOffsets", offsets(topic, nonEmpty, 0))
        .option("endingOffsets", offsets(topic, nonEmpty, 1))
        .load();
    Dataset<Row> envelope = messages.select(
        col("topic"), col("partition"), col("offset"),
        date_format(col("timestamp"), "yyyy-MM-dd HH:mm:ss.SSS").as("timestamp"),
        col("key").cast(DataTypes.StringType).as("key"), col("value").cast(DataTypes.StringType).as("value"),
        Partitions.writtenForm(DataTypes.TimestampType, "timestamp", granularity).as("_landing"));
    String staging = warehouse.root() + "/_strata/staging/streams/" + source.name() + "/" + prefix(topic, batch) + java.util.UUID.randomUUID();
    envelope.write().mode("overwrite").partitionBy("_landing").parquet(staging);
    try {
      FileSystem fs = new Path(staging).getFileSystem(spark.sparkContext().hadoopConfiguration());
      for (FileStatus folder : fs.listStatus(new Path(staging))) {
        String name = folder.getPath().getName();
        if (!folder.isDirectory() || !name.startsWith("_landing=")) {
          continue;
        }
        // The written form (2024-03-01, 2024-03-01T05, 2024-03) holds nothing Spark escapes in a folder name.
        Partition partition = Partition.parse(granularity, name.substring("_landing=".length()));
        Path target = new Path(warehouse.resolve(SourceDefinition.withDate(source.path(), partition)));
        fs.mkdirs(target);
        int n = 0;
        for (FileStatus f : fs.listStatus(folder.getPath())) {
          if (f.isFile() && !f.getPath().getName().startsWith(".") && !f.getPath().getName().startsWith("_")) {
            Path to = new Path(target, fileName(topic, batch, n++));
            if (!fs.rename(f.getPath(), to)) {
              throw new IOException("could not move " + f.getPath() + " to " + to);
            }
          }
        }
        landed.add(partition);
      }
      fs.delete(new Path(staging), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return landed;
  }

  /** Spark's JSON for per-partition offsets: {"topic":{"0":12,"1":40}}, the start ({@code which} 0) or end (1) of each range. */
  private static String offsets(String topic, Map<Integer, long[]> ranges, int which) {
    StringBuilder json = new StringBuilder("{\"").append(topic).append("\":{");
    String sep = "";
    for (Map.Entry<Integer, long[]> e : ranges.entrySet()) {
      json.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue()[which]);
      sep = ",";
    }
    return json.append("}}").toString();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, Map<String, String> security, Duration timeout) {
    Properties p = new Properties();
    p.putAll(security);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(timeout.toMillis(), 30_000)));
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}

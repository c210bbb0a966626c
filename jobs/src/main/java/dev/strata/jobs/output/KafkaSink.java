package dev.strata.jobs.output;

import dev.strata.api.Options;
import dev.strata.api.Sink;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * A Kafka topic as an output ({@code sink: kafka}): each published partition's new rows, one JSON
 * message each ({@code to_json} of the row), keyed by the {@code key} columns, with headers naming
 * the table, partition, Delta version and run. A topic only adds: the engine hands this sink only
 * the rows the version it last received did not have, and never a version twice ({@link
 * #appends}). One delivery is one Kafka transaction of an idempotent, transactional producer
 * (its id fixed per table, partition and output, so that a producer killed mid-delivery is fenced
 * and its open transaction aborted by the next): consumers reading committed messages see a
 * delivery whole or not at all, and a retried delivery never doubles one.
 *
 * <p>Options: {@code topic} (required), {@code key} (a column, or several comma-separated: their
 * values joined by {@code |}; none: no key), {@code bootstrap_servers}, or the environment
 * variable named by {@code bootstrap_servers_env} (default {@code STRATA_KAFKA_BOOTSTRAP_SERVERS}),
 * {@code timeout} (default 30s).
 */
public final class KafkaSink implements Sink {
  private static final java.util.Set<String> OPTIONS = dev.strata.jobs.io.KafkaClients.optionsWith("topic", "key", "timeout");

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public boolean appends() {
    return true;
  }

  @Override
  public void validate(Options options) {
    options.require("topic");
    for (String k : options.asMap().keySet()) {
      if (!OPTIONS.contains(k)) {
        throw new IllegalArgumentException("Unknown option '" + k + "' of a kafka output; it takes " + OPTIONS + ".");
      }
    }
    dev.strata.jobs.io.KafkaClients.validate(options.asMap());
    if (options.get("timeout").isPresent() && dev.strata.jobs.definition.Durations.parse(options.get("timeout").get()) == null) {
      throw new IllegalArgumentException("Option 'timeout' is '" + options.get("timeout").get() + "', not a duration such as 30s.");
    }
  }

  @Override
  public Receipt deliver(Delivery delivery, Options options) {
    String topic = options.require("topic");
    java.util.function.Function<String, String> env = v -> delivery.env(v).orElse(null);
    String bootstrap = dev.strata.jobs.io.KafkaClients.bootstrap(options.asMap(), env, "output topic " + topic);
    long timeoutMs = options.get("timeout").map(dev.strata.jobs.definition.Durations::parse).orElse(java.time.Duration.ofSeconds(30)).toMillis();
    List<String> keys = options.get("key").map(k -> Arrays.stream(k.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList())
        .orElse(List.of());
    Dataset<Row> rows = delivery.rows();
    Column key = keys.isEmpty() ? functions.lit(null).cast("string")
        : functions.concat_ws("|", keys.stream().map(c -> functions.col("`" + c + "`").cast("string")).toArray(Column[]::new));
    Dataset<Row> messages = rows.select(key.as("k"), functions.to_json(functions.struct(functions.col("*"))).as("v"));

    Map<String, String> security = dev.strata.jobs.io.KafkaClients.security(options.asMap(), env, "output topic " + topic);
    Properties p = new Properties();
    p.putAll(security);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "strata-" + delivery.table() + "-" + delivery.partition() + "-" + topic);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(timeoutMs));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(timeoutMs, 30_000)));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(timeoutMs, 30_000)));
    requireTopic(bootstrap, security, topic, timeoutMs);
    long sent = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      try {
        Iterator<Row> it = messages.toLocalIterator();
        while (it.hasNext()) {
          Row r = it.next();
          ProducerRecord<String, String> record = new ProducerRecord<>(topic, r.getString(0), r.getString(1));
          record.headers().add(new RecordHeader("strata-table", delivery.table().getBytes(StandardCharsets.UTF_8)));
          record.headers().add(new RecordHeader("strata-partition", delivery.partition().toString().getBytes(StandardCharsets.UTF_8)));
          record.headers().add(new RecordHeader("strata-version", String.valueOf(delivery.version()).getBytes(StandardCharsets.UTF_8)));
          record.headers().add(new RecordHeader("strata-run", delivery.runId().getBytes(StandardCharsets.UTF_8)));
          producer.send(record);
          sent++;
        }
        producer.commitTransaction();
      } catch (RuntimeException e) {
        try {
          producer.abortTransaction();
        } catch (RuntimeException ignored) {
          // The broker aborts it when the next producer of this id starts, or when it times out.
        }
        throw e;
      }
    }
    return new Receipt(sent, "kafka " + bootstrap + " topic " + topic);
  }

  /**
   * Fails, as a mistake rather than a passing failure, if the topic does not exist: a producer
   * would only wait for it until its timeout. A broker that does not answer stays transient.
   */
  private static void requireTopic(String bootstrap, Map<String, String> security, String topic, long timeoutMs) {
    Map<String, Object> settings = new java.util.HashMap<>(security);
    settings.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    settings.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, Integer.MAX_VALUE));
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(settings)) {
      if (!admin.listTopics().names().get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS).contains(topic)) {
        throw new IllegalStateException("the broker " + bootstrap + " has no topic '" + topic + "'; create it (e.g. kafka-topics.sh"
            + " --create --topic " + topic + "), or fix the output's topic option");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while looking up topic " + topic, e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.AuthenticationException
          || e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException) {
        // Wrong credentials or missing rights do not heal by waiting: no retry.
        throw new IllegalStateException("the broker " + bootstrap + " refused the output: " + e.getCause().getMessage(), e.getCause());
      }
      throw new org.apache.kafka.common.errors.TimeoutException("cannot list the topics of " + bootstrap + ": " + e.getCause().getMessage());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new org.apache.kafka.common.errors.TimeoutException("the broker " + bootstrap + " did not answer within " + timeoutMs + " ms");
    }
  }
}

package dev.strata.jobs.testing;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real Kafka broker for the tests that read from or publish to a topic, started by the project's
 * own {@code scripts/kafka-local} (KRaft, Kafka's server artifacts from Maven Central) on 127.0.0.1.
 * It needs nothing beyond Java and Maven, so a test that needs it never skips: a broker that does
 * not start fails the test, saying why.
 *
 * <p>Each state folder is a broker of its own: the tests that stop their broker use {@link #own};
 * the others share {@link #shared}. Clients here are the kafka-clients Spark's connector brings
 * (3.4), talking to a Kafka 4 broker as the engine does.
 */
public final class KafkaLocal {
  private static final Path SHARED = Paths.get(System.getProperty("java.io.tmpdir"), "strata-kafka-" + ProcessHandle.current().pid());
  private static boolean sharedStarted;

  private final Path state;
  private final String bootstrap;

  private KafkaLocal(Path state, String bootstrap) {
    this.state = state;
    this.bootstrap = bootstrap;
  }

  /** The broker this JVM's tests share, started if it is not running; destroyed when the JVM exits. */
  public static synchronized KafkaLocal shared() {
    KafkaLocal broker = start(SHARED);
    if (!sharedStarted) {
      sharedStarted = true;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> script(SHARED, "destroy")));
    }
    return broker;
  }

  /** A broker of its own, for a test that stops it: destroy it when done. */
  public static KafkaLocal own() {
    return start(Paths.get(System.getProperty("java.io.tmpdir"), "strata-kafka-" + ProcessHandle.current().pid() + "-"
        + Long.toHexString(System.nanoTime())));
  }

  /** The broker of this state folder, started if it is not running (on the port it had before). */
  public static synchronized KafkaLocal start(Path state) {
    String out = script(state, "start").strip();
    String last = out.lines().reduce((a, b) -> b).orElse("");
    if (!last.matches("127\\.0\\.0\\.1:\\d+")) {
      throw new AssertionError("scripts/kafka-local start printed no bootstrap address:\n" + out);
    }
    return new KafkaLocal(state, last);
  }

  /** Stops the broker (its topics stay: {@link #start} with {@link #state} finds them again). */
  public void stop() {
    script(state, "stop");
  }

  /** Stops the broker and removes its topics. */
  public void destroy() {
    script(state, "destroy");
  }

  public Path state() {
    return state;
  }

  /** host:port, as {@code STRATA_KAFKA_BOOTSTRAP_SERVERS} has it. */
  public String bootstrap() {
    return bootstrap;
  }

  /** The environment a run reads the broker's address from. */
  public Map<String, String> env() {
    return Map.of("STRATA_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
  }

  /**
   * The environment a run reaches the broker with through its SASL listener (SASL_PLAINTEXT,
   * PLAIN, user strata and the password {@code scripts/kafka-local} keeps): {@code env --sasl}.
   */
  public Map<String, String> saslEnv() {
    Map<String, String> env = ServiceScript.exports(script(state, "env", "--sasl"));
    if (!env.containsKey("STRATA_KAFKA_PASSWORD")) {
      throw new AssertionError("scripts/kafka-local env --sasl gave no password: " + env.keySet());
    }
    return env;
  }

  /** Creates a topic with {@code partitions} partitions (replication 1). */
  public void createTopic(String topic, int partitions) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not create topic " + topic, e);
    }
  }

  /** Deletes a topic and creates it again, empty, with {@code partitions} partitions (as an operator who recreates a topic does). */
  public void recreateTopic(String topic, int partitions) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        try {
          admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
          return;
        } catch (java.util.concurrent.ExecutionException e) {
          // The deletion completes in the background: until then the name is taken.
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException) || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(200);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not recreate topic " + topic, e);
    }
  }

  /**
   * A record to produce: key (may be null), value (may be null), the partition (null: the key
   * decides) and its timestamp (epoch milliseconds; null: now).
   */
  public record Message(String key, String value, Integer partition, Long timestamp) {
    public Message(String key, String value, Integer partition) {
      this(key, value, partition, null);
    }

    public static Message of(String key, String value) {
      return new Message(key, value, null, null);
    }
  }

  /** Produces the messages in order with an idempotent producer, and waits until the broker has them all. */
  public void produce(String topic, List<Message> messages) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (Message m : messages) {
        producer.send(new ProducerRecord<>(topic, m.partition(), m.timestamp(), m.key(), m.value()));
      }
      producer.flush();
    }
  }

  /** Every record of a topic now, in each partition's offset order (partitions in turn). */
  public List<ConsumerRecord<String, String>> readAll(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      Map<TopicPartition, List<ConsumerRecord<String, String>>> byPartition = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to its end " + end + " within 60 s");
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
        }
      }
      List<ConsumerRecord<String, String>> all = new ArrayList<>();
      partitions.forEach(tp -> all.addAll(byPartition.getOrDefault(tp, List.of())));
      return all;
    }
  }

  private static String script(Path state, String... args) {
    return ServiceScript.run("kafka-local", "STRATA_KAFKA_DIR", state, 3, t -> false, args);
  }
}

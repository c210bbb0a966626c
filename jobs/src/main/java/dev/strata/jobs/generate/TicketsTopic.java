package dev.strata.jobs.generate;

import dev.strata.api.StrataException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The support system's event stream, where the customer-analytics tickets arrive: topic {@value
 * #TOPIC} of a Kafka broker, one JSON message per ticket opened, keyed by the customer, stamped with
 * the time it was opened (its Kafka timestamp, by which the pipeline lands it in an hour's folder).
 * The producer is idempotent and waits for the broker to have every message (acks=all), as a
 * support system's would; it still delivers at least once, never exactly once, which is why the
 * pipeline keeps each ticket once.
 */
public final class TicketsTopic {
  public static final String TOPIC = "support_tickets";
  /** The topic the pipeline delivers its customers at risk to (an output of at_risk_customers). */
  public static final String ALERTS = "customer_alerts";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final String bootstrap;
  private final Map<String, String> security;

  /**
   * @param bootstrap the broker, host:port (as STRATA_KAFKA_BOOTSTRAP_SERVERS has it)
   * @param security the clients' security settings ({@link dev.strata.jobs.io.KafkaClients#security})
   */
  public TicketsTopic(String bootstrap, Map<String, String> security) {
    this.bootstrap = bootstrap;
    this.security = Map.copyOf(security);
  }

  /** The topics of the broker the environment names ({@link dev.strata.jobs.io.KafkaClients}). */
  public static TicketsTopic of(Map<String, String> env) {
    return new TicketsTopic(dev.strata.jobs.io.KafkaClients.bootstrap(Map.of(), env::get, "the customer_analytics generator"),
        dev.strata.jobs.io.KafkaClients.security(Map.of(), env::get, "the customer_analytics generator"));
  }

  private Map<String, Object> settings() {
    Map<String, Object> settings = new java.util.HashMap<>(security);
    settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return settings;
  }

  /** Where the tickets go, for messages. */
  public String describe() {
    return "topic " + TOPIC + " on " + bootstrap;
  }

  /**
   * Creates the tickets' and the alerts' topics unless they exist (two partitions each), keeping
   * every message whatever its age: the generated tickets are stamped with the days they were
   * opened, which a broker's default retention of 7 days would delete at once.
   *
   * @throws StrataException.JobFailedException naming the broker if it does not answer
   */
  public void create() {
    Map<String, Object> settings = settings();
    settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    try (Admin admin = Admin.create(settings)) {
      for (String topic : List.of(TOPIC, ALERTS)) {
        try {
          admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(Map.of("retention.ms", "-1"))))
              .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new StrataException.JobFailedException("Cannot create topic " + topic + " on " + bootstrap + ": " + e.getCause().getMessage(), e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException.JobFailedException("Interrupted while creating the topics on " + bootstrap, e);
    } catch (TimeoutException e) {
      throw new StrataException.JobFailedException("Cannot create the topics: the Kafka broker " + bootstrap + " did not answer in "
          + TIMEOUT.toSeconds() + " s", e);
    }
  }

  /** A ticket opened: its key (the customer), the JSON message and when it was opened (epoch milliseconds). */
  public record Ticket(String key, String json, long openedAt) {}

  /** Sends the tickets in order, and returns once the broker has them all. */
  public void send(List<Ticket> tickets) {
    if (tickets.isEmpty()) {
      return;
    }
    Properties p = new Properties();
    p.putAll(settings());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(TIMEOUT.toMillis()));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT.toMillis()));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
      for (Ticket t : tickets) {
        sent.add(producer.send(new ProducerRecord<>(TOPIC, null, t.openedAt(), t.key(), t.json())));
      }
      producer.flush();
      for (java.util.concurrent.Future<?> f : sent) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException.JobFailedException("Interrupted while sending tickets to " + describe(), e);
    } catch (ExecutionException e) {
      throw new StrataException.JobFailedException("Cannot send the tickets to " + describe() + ": " + e.getCause().getMessage(), e);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new StrataException.JobFailedException("Cannot send the tickets to " + describe() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The committed messages a topic holds now, by key (read as a consumer in read_committed mode
   * would: messages of aborted transactions and transaction markers are not counted).
   */
  public Map<String, Long> committedByKey(String topic) {
    Properties p = new Properties();
    p.putAll(settings());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, Long> byKey = new java.util.TreeMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, TIMEOUT).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new StrataException.JobFailedException("Cannot read topic " + topic + " on " + bootstrap + " to its end in " + TIMEOUT.toSeconds() + " s", null);
        }
        consumer.poll(Duration.ofMillis(500)).forEach(r -> byKey.merge(String.valueOf(r.key()), 1L, Long::sum));
      }
    }
    return byKey;
  }
}

package dev.strata.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.KafkaLocal;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The local broker (scripts/kafka-local, Kafka 4 in KRaft mode) with the clients the engine uses:
 * Spark 3.5's Kafka connector (kafka-clients 3.4) reads exactly what an idempotent producer wrote,
 * between explicit offsets, and a broker stopped and started again keeps its topics and port.
 */
@IntegrationTest
class KafkaBrokerTest {

  @Test
  void sparksConnectorReadsBetweenOffsetsWhatWasProducedAndTopicsOutliveARestart() {
    KafkaLocal kafka = KafkaLocal.own();
    try {
      kafka.createTopic("events", 3);
      List<KafkaLocal.Message> messages = new ArrayList<>();
      IntStream.range(0, 600).forEach(i -> messages.add(new KafkaLocal.Message("k" + i, "{\"n\":" + i + "}", i % 3)));
      kafka.produce("events", messages);

      SparkSession spark = SparkTestSession.get();
      List<Row> all = spark.read().format("kafka").option("kafka.bootstrap.servers", kafka.bootstrap()).option("subscribe", "events")
          .option("startingOffsets", "earliest").option("endingOffsets", "latest").load()
          .selectExpr("CAST(key AS STRING) AS k", "partition", "offset").collectAsList();
      assertThat(all).hasSize(600);
      assertThat(all.stream().map(r -> r.getString(0)).collect(Collectors.toSet()))
          .isEqualTo(IntStream.range(0, 600).mapToObj(i -> "k" + i).collect(Collectors.toSet()));

      // Explicit offsets per partition: [50, 120) of partition 1 only.
      List<Row> range = spark.read().format("kafka").option("kafka.bootstrap.servers", kafka.bootstrap())
          .option("assign", "{\"events\":[1]}")
          .option("startingOffsets", "{\"events\":{\"1\":50}}").option("endingOffsets", "{\"events\":{\"1\":120}}").load()
          .selectExpr("CAST(key AS STRING) AS k", "offset").collectAsList();
      assertThat(range).hasSize(70);
      assertThat(range.stream().map(r -> r.getLong(1)).collect(Collectors.toSet()))
          .isEqualTo(IntStream.range(50, 120).mapToObj(Long::valueOf).collect(Collectors.toSet()));

      String before = kafka.bootstrap();
      kafka.stop();
      KafkaLocal again = KafkaLocal.start(kafka.state());
      assertThat(again.bootstrap()).isEqualTo(before);
      Set<String> keys = again.readAll("events").stream().map(r -> r.key()).collect(Collectors.toSet());
      assertThat(keys).hasSize(600);
    } finally {
      kafka.destroy();
    }
  }
}

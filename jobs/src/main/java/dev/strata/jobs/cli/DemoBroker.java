package dev.strata.jobs.cli;

import dev.strata.jobs.stream.KafkaPull;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's Kafka broker: the project's own {@code scripts/kafka-local} (Kafka in KRaft mode from
 * Maven Central's jars: it needs only Java and Maven, as the README's set-up does), started unless
 * running.
 */
final class DemoBroker {
  private DemoBroker() {}

  /**
   * Starts (or finds running) the local broker and returns its address ({@value
   * KafkaPull#BOOTSTRAP_ENV}), or empty, after saying why, if it cannot.
   *
   * @param scripts the repository's scripts folder
   */
  static Optional<Map<String, String>> start(Path scripts, PrintWriter out) {
    Path script = scripts.resolve("kafka-local");
    if (!Files.isExecutable(script)) {
      out.printf("   (No scripts/kafka-local beside the definitions.)%n");
      return Optional.empty();
    }
    DemoDatabase.Result started = DemoDatabase.exec(List.of(script.toString(), "start"), Map.of());
    String address = started.output().strip().lines().reduce((a, b) -> b).orElse("");
    if (started.exit() != 0 || !address.matches("127\\.0\\.0\\.1:\\d+")) {
      out.printf("   Kafka is not available here (%s).%n", started.output().strip().replaceFirst("^kafka-local: ", ""));
      return Optional.empty();
    }
    out.printf("   Kafka from scripts/kafka-local: %s%n", address);
    return Optional.of(Map.of(KafkaPull.BOOTSTRAP_ENV, address));
  }
}

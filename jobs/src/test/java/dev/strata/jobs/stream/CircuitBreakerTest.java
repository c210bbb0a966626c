package dev.strata.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.strata.api.BuildStatus;
import dev.strata.jobs.cli.ExitCodes;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.CircuitBreakers;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.engine.Steps;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.run.Invocation;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.KafkaLocal;
import dev.strata.jobs.testing.TestClock;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source's circuit breaker against a real broker that is stopped: two failed pulls in a row open
 * it (one alert says so), runs while it is open leave the source untouched and do not alert again,
 * {@code strata status} shows it open and until when; past the cool-down (a clock the test moves)
 * one pull tries it again: failing, it reopens; succeeding, once the broker is back, it closes and
 * what was produced meanwhile lands. {@code --reset-circuit} closes it by hand.
 */
@IntegrationTest
class CircuitBreakerTest {
  @TempDir Path dir;

  @Test
  void failedPullsOpenTheCircuitWhichStaysOpenWithoutTouchingTheBrokerThenHalfOpensAndCloses() throws Exception {
    KafkaLocal kafka = KafkaLocal.own();
    List<String> alerts = new CopyOnWriteArrayList<>();
    HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext("/", ex -> {
      alerts.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    hook.start();
    try {
      kafka.createTopic("events", 1);
      Path definition = TinyPipeline.define(dir, "guarded", """
          pipeline: guarded
          sources:
            events:
              path: landing/events/{date}
              format: kafka
              options: {topic: events, timeout: 3s}
              circuit: {failures: 2, cool_down: 30m}
              schema:
                id: string
                _kafka_key: string
          tables:
            events_raw:
              layer: bronze
              inputs: [events]
              sql: events_raw.sql
          alerts:
            webhooks:
              - url_env: GUARDED_WEBHOOK
          """, "events_raw.sql", "SELECT * FROM events");
      Pipeline pipeline = PipelineValidator.validateOrThrow(definition.resolve("pipeline.yaml"), "guarded");
      Path wh = dir.resolve("wh");
      TestClock clock = TestClock.ticking();
      Map<String, String> env = Map.of("STRATA_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap(),
          "GUARDED_WEBHOOK", "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook");
      Engine engine = new Engine(pipeline, wh, clock, env);

      kafka.produce("events", messages(0, 10));
      assertThat(engine.run().build().status()).isEqualTo(BuildStatus.PUBLISHED);
      assertThat(alerts).isEmpty();

      // The broker stops: the first failed pull makes the table wait, the second opens the circuit.
      kafka.stop();
      TableBuildResult first = engine.run().build();
      assertThat(first.status()).isEqualTo(BuildStatus.NOT_READY);
      assertThat(first.message()).contains("cannot pull source 'events' (topic events)").doesNotContain("is open");
      TableBuildResult second = engine.run().build();
      assertThat(second.message()).contains("the circuit of source 'events' is open: 2 ingests failed in a row");
      assertThat(alerts).hasSize(2);
      assertThat(alerts.get(1)).contains("is open");
      int attempts = engine.attempts();

      // Open: nothing touches the broker (no attempt recorded, no wait for its timeout), no alert again.
      long start = System.nanoTime();
      Outcome open = engine.run();
      assertThat(open.build().status()).isEqualTo(BuildStatus.NOT_READY);
      assertThat(open.build().message()).contains("circuit open for source 'events' after 2 failed ingests in a row");
      assertThat(open.output()).contains("kafka: events: circuit open");
      assertThat(engine.attempts()).isEqualTo(attempts);
      assertThat(alerts).hasSize(2);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
      Cli.Outcome status = Cli.run("status", definition.toString(), "--warehouse", wh.toString());
      assertThat(status.out()).as(status.toString()).containsPattern("events: OPEN until \\S+ \\S+ \\(in 2\\dm\\), after 2 failed ingests in a row");

      // By hand: --reset-circuit closes it, and that run's pull tries the broker (still down: one failure of two).
      Cli.Outcome bad = Cli.run("run", definition.toString(), "--warehouse", wh.toString(), "--reset-circuit", "nope");
      assertThat(bad.exit()).isEqualTo(2);
      assertThat(bad.err()).contains("--reset-circuit nope names no source with a circuit breaker; the sources with one are [events]");
      Files.writeString(dir.resolve("kafka.env"), "STRATA_KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrap() + "\n");
      Cli.Outcome reset = Cli.run("run", definition.toString(), "--warehouse", wh.toString(), "--reset-circuit", "events", "--env-file",
          dir.resolve("kafka.env").toString());
      assertThat(reset.out()).as(reset.toString()).contains("Circuit of source 'events' closed by hand").contains("cannot pull source 'events'")
          .doesNotContain("is open");
      assertThat(Cli.run("status", definition.toString(), "--warehouse", wh.toString()).out()).contains("events: closed (1 of 2 failures in a row)");
      assertThat(engine.run().build().message()).contains("is open");
      attempts = engine.attempts();

      // Past the cool-down: one pull tries the broker, still down: open again for another cool-down.
      clock.advance(Duration.ofMinutes(31));
      Outcome trial = engine.run();
      assertThat(trial.output()).contains("the circuit's cool-down has passed; one pull tries the source again");
      assertThat(trial.build().message()).contains("cannot pull source 'events'").contains("is open");
      assertThat(engine.attempts()).isEqualTo(attempts + 1);
      assertThat(engine.run().build().message()).contains("circuit open for source 'events'");
      assertThat(engine.attempts()).isEqualTo(attempts + 1);

      // The broker is back, with what was produced meanwhile: the next trial closes the circuit.
      KafkaLocal back = KafkaLocal.start(kafka.state());
      back.produce("events", messages(10, 25));
      clock.advance(Duration.ofMinutes(31));
      assertThat(engine.run().build().status()).isEqualTo(BuildStatus.PUBLISHED);
      assertThat(SparkTestSession.get().read().format("delta").load(wh.resolve("bronze/events_raw").toString()).count()).isEqualTo(25);
      assertThat(new CircuitBreakers(new Ledger(SparkTestSession.get(), Warehouse.at(wh.toString())), "guarded")
          .state(pipeline.definition().source("events").orElseThrow(), clock.instant()).kind()).isEqualTo(CircuitBreakers.Kind.CLOSED);
    } finally {
      hook.stop(0);
      kafka.destroy();
    }
  }

  private static List<KafkaLocal.Message> messages(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> KafkaLocal.Message.of("e" + i, "{\"id\":\"e" + i + "\"}")).toList();
  }

  /** A run's build of the bronze table, and what it printed. */
  record Outcome(RunResult result, String output) {
    TableBuildResult build() {
      return result.builds().stream().filter(b -> b.table().equals("events_raw")).reduce((a, b) -> b)
          .orElseThrow(() -> new AssertionError("no build of events_raw:\n" + output));
    }
  }

  /** Incremental runs through the engine, on the test's clock. */
  private static final class Engine {
    private final Pipeline pipeline;
    private final Path wh;
    private final Clock clock;
    private final Map<String, String> env;

    Engine(Pipeline pipeline, Path wh, Clock clock, Map<String, String> env) {
      this.pipeline = pipeline;
      this.wh = wh;
      this.clock = clock;
      this.env = env;
    }

    Outcome run() {
      StringWriter text = new StringWriter();
      EngineContext ctx = new EngineContext(SparkTestSession.get(), Warehouse.at(wh.toString()), clock, new PrintWriter(text, true), env,
          Steps.DIRECT, Invocation.DEFAULT, ExitCodes::of);
      PipelineRunner runner = new PipelineRunner(ctx);
      RunRequest base = new RunRequest(List.of(dev.strata.api.Partition.day(java.time.LocalDate.EPOCH)), Optional.empty(), Set.of(), "test");
      RunRequest request = runner.incrementalRequest(pipeline, base, false, false);
      assertThat(request).as("an incremental run with something to do:\n" + text).isNotNull();
      return new Outcome(runner.run(pipeline, request), text.toString());
    }

    /** Attempts to ingest the source recorded so far. */
    int attempts() {
      try {
        return (int) SparkTestSession.get().read().format("delta").load(wh.resolve("_strata/ledger/source_attempts").toString()).count();
      } catch (RuntimeException e) {
        return 0;
      }
    }
  }
}

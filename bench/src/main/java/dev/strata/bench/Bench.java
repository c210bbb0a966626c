package dev.strata.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.engine.Sessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The benchmark harness: each scenario runs both of its sides in one JVM, alternating, after a
 * warm-up, and reports medians and their ratio. Run it with {@code scripts/bench}; it writes
 * docs/benchmarks.md and docs/benchmarks.json. A run of some scenarios ({@code --scenarios a,b})
 * replaces their lines and keeps the others' from the last run.
 */
public final class Bench {
  private static final List<Scenario> SCENARIOS = List.of(new EngineOverhead(), new QuarantineCost(), new Scaling(false), new IncrementalRefresh(), new LateDataCost(), new OutputsCost(), new WideFact(), new MaintainGain(), new KafkaIngestCost(),
      new Scaling(true));

  private Bench() {}

  private static final List<String> FLAGS = List.of("--scale", "--repeats", "--days", "--daily-scale", "--conf", "--scaling",
      "--scaling-repeats", "--wide-rows", "--output-rows", "--kafka-messages", "--scenarios", "--work", "--docs");

  public static void main(String[] args) throws IOException {
    try {
      run(args);
    } catch (UsageException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(2);
    }
  }

  /** The bench without the process exit: a wrong argument is a {@link UsageException}. */
  static void run(String[] args) throws IOException {
    // Every argument a known option with a value: a mistyped one must not start a 45-minute bench.
    for (int i = 0; i < args.length; i += 2) {
      if (!FLAGS.contains(args[i]) || i + 1 >= args.length) {
        usage((FLAGS.contains(args[i]) ? "option " + args[i] + " needs a value" : "unknown option '" + args[i] + "'")
            + "; the options are " + FLAGS + " (scripts/bench --help describes them)");
      }
    }
    Scenario.Options options =
        new Scenario.Options(
            intArg(args, "--scale", 250_000), intArg(args, "--repeats", 3),
            ints(stringArg(args, "--days", "90,365")),
            intArg(args, "--daily-scale", 2_000), Paths.get(stringArg(args, "--conf", "conf")).toAbsolutePath(),
            ints(stringArg(args, "--scaling", "62500,250000,1000000")), intArg(args, "--scaling-repeats", 2),
            intArg(args, "--wide-rows", 6_000_000), intArg(args, "--output-rows", 1_000_000),
            intArg(args, "--kafka-messages", 2_000_000));
    List<String> selected =
        Arrays.stream(stringArg(args, "--scenarios", String.join(",", SCENARIOS.stream().filter(sc -> !sc.onCluster()).map(Scenario::name).toList()))
                .split(","))
            .map(String::trim).toList();
    for (String s : selected) {
      if (!s.equals("none") && SCENARIOS.stream().noneMatch(sc -> sc.name().equals(s))) {
        usage(
            "unknown scenario '" + s + "'; the scenarios are " + SCENARIOS.stream().map(Scenario::name).toList());
      }
    }
    List<String> onCluster = SCENARIOS.stream().filter(sc -> sc.onCluster() && selected.contains(sc.name())).map(Scenario::name).toList();
    if (!onCluster.isEmpty() && selected.size() > onCluster.size()) {
      usage(
          "scenario(s) " + onCluster + " run on a cluster and the others in local mode: select them in a bench of their own");
    }
    Path work = Paths.get(stringArg(args, "--work", "target/bench")).toAbsolutePath();
    Path docs = Paths.get(stringArg(args, "--docs", "docs")).toAbsolutePath();
    Files.createDirectories(docs);

    Results results = Results.read(docs.resolve("benchmarks.json"));
    if (selected.equals(List.of("none"))) {
      // Only write benchmarks.md again from benchmarks.json (after editing a scenario's notes).
      results.write(docs);
      return;
    }
    // Spark keeps 20 frames of each job's call stack: too few to reach the engine's frame under
    // Delta's own (StageProfile names Delta's log jobs by the engine's line that caused them).
    System.setProperty("spark.callstack.depth", System.getProperty("spark.callstack.depth", "200"));
    SparkSession spark = Sessions.create("strata bench");
    try {
      for (Scenario scenario : SCENARIOS) {
        if (!selected.contains(scenario.name())) {
          continue;
        }
        long start = System.nanoTime();
        Scenario.Outcome outcome = scenario.run(spark, work.resolve(scenario.name()), options);
        double minutes = (System.nanoTime() - start) / 60e9;
        results.put(scenario.name(), outcome, Runtime.getRuntime().availableProcessors(), scenario.repeats(options), minutes);
        for (Comparison c : outcome.comparisons()) {
          System.out.printf(Locale.ROOT, "%s: %s (baseline %.2fs, candidate %.2fs)%n", c.name(), c.ratioText(), c.baselineMedian(),
              c.candidateMedian());
        }
        // Written after each scenario: a long bench that dies later keeps what it measured.
        results.write(docs);
      }
    } finally {
      spark.stop();
    }
  }

  /**
   * Plans and runs as {@code strata run P [--full-refresh]} does (planning from the landing
   * listing and the ledger, then the run), checks it published the {@code expectedUnits} table
   * partitions it should, and says how long it took.
   *
   * @return its seconds, planning included
   */
  static double incremental(
      dev.strata.jobs.engine.EngineContext ctx, dev.strata.jobs.definition.Pipeline pipeline, boolean fullRefresh, String scenario,
      String what, int expectedUnits) {
    long start = System.nanoTime();
    dev.strata.jobs.engine.PipelineRunner runner = new dev.strata.jobs.engine.PipelineRunner(ctx);
    dev.strata.jobs.run.RunRequest base = new dev.strata.jobs.run.RunRequest(
        List.of(dev.strata.api.Partition.day(java.time.LocalDate.EPOCH)), java.util.Optional.empty(), java.util.Set.of(), "bench");
    dev.strata.jobs.run.RunRequest request = runner.incrementalRequest(pipeline, base, fullRefresh, false);
    if (request == null) {
      throw new IllegalStateException("bench: " + what + " found nothing to do");
    }
    RunResult run = runner.run(pipeline, request);
    double s = (System.nanoTime() - start) / 1e9;
    check(run, what);
    if (run.builds().size() != expectedUnits) {
      throw new IllegalStateException("bench: " + what + " built " + run.builds().size() + " table partitions, expected " + expectedUnits
          + ": " + run.builds().stream().map(b -> b.table() + " " + b.partition()).toList());
    }
    System.out.printf(Locale.ROOT, "%s: %s: %.2fs (%d table partitions)%n", scenario, what, s, run.builds().size());
    return s;
  }

  static void check(RunResult run, String what) {
    if (run.exitCode() != 0) {
      throw new IllegalStateException("bench run " + what + " did not publish: " + run.builds());
    }
  }

  /** Every scenario's last results: what docs/benchmarks.json holds, and the markdown made from it. */
  private static final class Results {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Map<String, Map<String, Object>> scenarios;

    private Results(Map<String, Map<String, Object>> scenarios) {
      this.scenarios = scenarios;
    }

    static Results read(Path file) throws IOException {
      Map<String, Map<String, Object>> found = new LinkedHashMap<>();
      if (Files.exists(file)) {
        Map<String, Object> all = JSON.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
        Object kept = all.get("scenarios");
        if (kept instanceof Map<?, ?> m && all.get("format") != null) {
          m.forEach((k, v) -> found.put((String) k, cast(v)));
        }
      }
      return new Results(found);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object v) {
      return (Map<String, Object>) v;
    }

    /** Puts the scenarios in the harness's order (results read from an older file may come in another). */
    void order() {
      Map<String, Map<String, Object>> ordered = new LinkedHashMap<>();
      SCENARIOS.forEach(sc -> {
        if (scenarios.containsKey(sc.name())) {
          ordered.put(sc.name(), scenarios.get(sc.name()));
        }
      });
      scenarios.forEach(ordered::putIfAbsent);
      scenarios.clear();
      scenarios.putAll(ordered);
    }

    void put(String name, Scenario.Outcome outcome, int cores, int repeats, double minutes) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("measured_at", Instant.now().toString());
      s.put("cores", cores);
      s.put("repeats", repeats);
      s.put("minutes", minutes);
      s.put("comparisons", outcome.comparisons().stream().map(Comparison::toJson).toList());
      s.put("figures", outcome.figures().stream().map(Figure::toJson).toList());
      s.put("notes", outcome.notes());
      scenarios.put(name, s);
    }

    void write(Path docs) throws IOException {
      order();
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("format", 2);
      all.put("scenarios", scenarios);
      Files.writeString(docs.resolve("benchmarks.json"), JSON.writeValueAsString(all) + "\n");
      Files.writeString(docs.resolve("benchmarks.md"), markdown());
      BenchChart.write(comparisons(), docs.resolve("benchmarks.png"));
    }

    @SuppressWarnings("unchecked")
    private List<Comparison> comparisons() {
      List<Comparison> all = new ArrayList<>();
      scenarios.values().forEach(s -> ((List<Map<String, Object>>) s.get("comparisons")).forEach(c -> all.add(Comparison.fromJson(c))));
      return all;
    }

    @SuppressWarnings("unchecked")
    private List<Figure> figures() {
      List<Figure> all = new ArrayList<>();
      scenarios.values().forEach(s -> ((List<Map<String, Object>>) s.getOrDefault("figures", List.of())).forEach(f -> all.add(Figure.fromJson(f))));
      return all;
    }

    @SuppressWarnings("unchecked")
    private String markdown() {
      StringBuilder md = new StringBuilder();
      md.append(
          """
          # Benchmarks

          Written by `scripts/bench`. Each scenario runs both sides in one JVM, alternating, after a
          warm-up; times are medians, in local mode (`scaling-cluster`: against a Spark standalone
          cluster on the same machine). Machines are shared and noisy: read the ratios, not the
          seconds. The raw numbers are in `benchmarks.json`, the chart in `benchmarks.png`;
          `scripts/bench --scenarios NAME` measures one scenario again and keeps the others' lines.

          ![costs, speed-ups and scaling](benchmarks.png)

          | scenario | rows | baseline | candidate | ratio | rows/s per core (candidate) |
          |---|---:|---:|---:|---:|---:|
          """);
      List<String> sections = new ArrayList<>();
      scenarios.forEach((name, s) -> {
        int cores = ((Number) s.get("cores")).intValue();
        for (Map<String, Object> json : (List<Map<String, Object>>) s.get("comparisons")) {
          Comparison c = Comparison.fromJson(json);
          md.append(String.format(Locale.ROOT, "| %s | %,d | %.2f s | %.2f s | %s | %,.0f |%n",
              c.name(), c.rows(), c.baselineMedian(), c.candidateMedian(), c.ratioText(), c.rows() / c.candidateMedian() / cores));
        }
        String took = s.get("minutes") instanceof Number m ? String.format(Locale.ROOT, "; the scenario took %.1f min", m.doubleValue()) : "";
        String analysis = SCENARIOS.stream().filter(sc -> sc.name().equals(name)).map(Scenario::analysis).findFirst().orElse("").stripTrailing();
        sections.add(String.format(Locale.ROOT, "## Scenario `%s`%n%nMeasured %s on %d cores, %d counted runs per side%s.%n%n%s%s",
            name, s.get("measured_at"), cores, ((Number) s.get("repeats")).intValue(), took, ((String) s.get("notes")).stripTrailing(),
            analysis.isEmpty() ? "" : "\n\n" + analysis));
      });
      List<Figure> figures = figures();
      if (!figures.isEmpty()) {
        md.append("\n| measured | value |\n|---|---:|\n");
        figures.forEach(f -> md.append(String.format(Locale.ROOT, "| %s | %s |%n", f.name(), f.valueText())));
      }
      for (String section : sections) {
        md.append('\n').append(section).append('\n');
      }
      return md.toString();
    }
  }

  /** A wrong argument: {@link #main} says it on stderr and exits 2, nothing measured or written. */
  private static void usage(String message) {
    throw new UsageException(message);
  }

  /** A wrong argument to the bench. */
  static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private static List<Integer> ints(String list) {
    return Arrays.stream(list.split(",")).map(String::trim).map(Integer::parseInt).sorted().toList();
  }

  private static int intArg(String[] args, String name, int fallback) {
    String v = stringArg(args, name, null);
    return v == null ? fallback : Integer.parseInt(v);
  }

  /** The value of the last {@code name} option (scripts/bench passes defaults first, the user's options after). */
  private static String stringArg(String[] args, String name, String fallback) {
    String value = fallback;
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        value = args[i + 1];
      }
    }
    return value;
  }
}

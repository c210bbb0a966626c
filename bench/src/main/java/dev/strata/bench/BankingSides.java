package dev.strata.bench;

import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.Warehouse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The banking pipeline three ways, for the engine-overhead and gate-cost scenarios: written by
 * hand in plain Spark, run by Strata with its gates switched off (the pipeline's definition with
 * every rule removed), and run by Strata as defined in {@code conf/pipelines/banking}; the Strata
 * sides without the outputs the definition delivers to (the hand-written job delivers nothing).
 */
final class BankingSides {
  static final LocalDate DAY = LocalDate.of(2024, 1, 1);

  /**
   * The generator's daily accounts as the source {@code accounts} (CSV with a header under
   * landing/accounts/{date}): the {@code sources:} block of several scenarios' pipelines, which
   * follow it with their {@code tables:}.
   */
  static final String ACCOUNTS_SOURCE =
      """
      sources:
        accounts:
          path: landing/accounts/{date}
          schema:
            account_id: string
            customer_id: string
            balance: decimal(18,2)
            account_type: string
            opened_date: date
            as_of_date: date
      """;
  /** Defects the gated pipeline quarantines or removes and the gate-less one lets through. */
  static final Defects DEFECTS = new Defects(0, 0.001, 0, 0.01, 0.01, 0, 0, 0, 0.005);

  /** The sides, in the order each round runs them. */
  enum Side {
    SPARK("hand-written Spark"),
    NO_GATES("Strata, gates off"),
    GATES("Strata, all rules and quarantine");

    final String label;

    Side(String label) {
      this.label = label;
    }
  }

  private final SparkSession spark;
  private final Map<Side, Warehouse> warehouses = new LinkedHashMap<>();
  private final Map<Side, Pipeline> pipelines = new LinkedHashMap<>();
  private final Map<Side, EngineContext> contexts = new LinkedHashMap<>();
  /** customer_metrics' SQL, as the pipeline declares it: the hand-written job runs the same query. */
  private final String customerMetricsSql;

  /**
   * Writes the two pipeline definitions under {@code work}/conf and one day of {@code customers}
   * customers into each side's landing folder.
   *
   * @param conf the project's conf folder (the banking pipeline is read from it)
   */
  BankingSides(SparkSession spark, Path conf, Path work, int customers) throws IOException {
    this.spark = spark;
    Path banking = conf.resolve("pipelines/banking");
    if (!Files.isRegularFile(banking.resolve("pipeline.yaml"))) {
      throw new IllegalArgumentException("bench: no banking pipeline at " + banking + "; pass --conf <strata>/conf");
    }
    customerMetricsSql = Files.readString(banking.resolve("customer_metrics.sql"));
    for (Side side : Side.values()) {
      Warehouse warehouse = Warehouse.at(work.resolve("warehouse-" + side.name().toLowerCase(java.util.Locale.ROOT)).toString());
      EngineContext ctx = new EngineContext(spark, warehouse, Clock.systemUTC(), new PrintWriter(new StringWriter()), dev.strata.jobs.cli.ExitCodes::of);
      ctx.files().delete(warehouse.root());
      new BankingGenerator(ctx.files(), 42).writeDay(warehouse.root() + "/landing", DAY, customers, DEFECTS);
      warehouses.put(side, warehouse);
      contexts.put(side, ctx);
      if (side != Side.SPARK) {
        Path folder = work.resolve("conf/" + side.name().toLowerCase(java.util.Locale.ROOT));
        copy(banking, folder);
        // The hand-written job delivers nothing: what the sides compare is building the tables,
        // not the deliveries after them (the outputs scenario measures those).
        withoutOutputs(folder.resolve("pipeline.yaml"));
        if (side == Side.NO_GATES) {
          withoutGates(folder.resolve("pipeline.yaml"));
        }
        pipelines.put(side, PipelineValidator.validateOrThrow(folder.resolve("pipeline.yaml"), "banking"));
      }
    }
  }

  /** Builds every table of the day on one side; returns its wall time in seconds. */
  double run(Side side) {
    long start = System.nanoTime();
    if (side == Side.SPARK) {
      HandWrittenBanking.run(spark, warehouses.get(side).root(), DAY, customerMetricsSql);
    } else {
      RunResult run = new PipelineRunner(contexts.get(side)).run(pipelines.get(side), new RunRequest(DAY, DAY, Optional.empty(), Set.of(), "bench"));
      Bench.check(run, side.label);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** The day's rows of one table on one side (to check that the sides built the same thing). */
  long rows(Side side, String layerAndTable) {
    return HandWrittenBanking.rows(spark, warehouses.get(side).root(), layerAndTable, DAY);
  }

  /** The landing rows one side reads: customers and accounts. */
  static long inputRows(int customers) {
    return (long) customers + BankingGenerator.accountCount(customers);
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** The same definition without its tables' outputs. */
  @SuppressWarnings("unchecked")
  private static void withoutOutputs(Path yamlFile) throws IOException {
    rewrite(yamlFile, "without its outputs", doc -> {
      for (Object t : ((Map<String, Object>) doc.get("tables")).values()) {
        ((Map<String, Object>) t).remove("outputs");
      }
    });
  }

  /** The same definition with its gates switched off: no rules, no volume rule, no drift or freshness checks, empty allowed. */
  @SuppressWarnings("unchecked")
  private static void withoutGates(Path yamlFile) throws IOException {
    rewrite(yamlFile, "with its gates switched off", doc -> {
      for (Object t : ((Map<String, Object>) doc.get("tables")).values()) {
        Map<String, Object> table = (Map<String, Object>) t;
        table.remove("rules");
        table.remove("volume");
        table.remove("freshness");
        table.put("allow_empty", true);
      }
      for (Object s : ((Map<String, Object>) doc.get("sources")).values()) {
        ((Map<String, Object>) s).remove("freshness");
      }
      doc.remove("schedules");
    });
  }

  /** Loads a definition, edits it, and writes it back, saying what the bench made of it. */
  private static void rewrite(Path yamlFile, String how, java.util.function.Consumer<Map<String, Object>> edit) throws IOException {
    DumperOptions dump = new DumperOptions();
    dump.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    Yaml yaml = new Yaml(dump);
    Map<String, Object> doc = yaml.load(Files.readString(yamlFile));
    edit.accept(doc);
    Files.writeString(yamlFile, "# The banking pipeline " + how + " (written by the bench).\n" + yaml.dump(doc));
  }
}

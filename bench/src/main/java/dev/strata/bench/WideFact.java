package dev.strata.bench;

import dev.strata.api.Partition;
import dev.strata.jobs.cli.ExitCodes;
import dev.strata.jobs.definition.Layer;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Scenario "wide": a wide fact table landed as '|'-separated text ({@link WideGenerator}) taken
 * through bronze (as ingested) → silver (typed; a two-column primary key, range rules, rows
 * without a key quarantined) → gold (a group-by aggregate), against a plain Spark copy of the same
 * files to one Delta table, in the same JVM. Each side runs on fresh tables (first run) and again
 * on the tables it left (re-run). Besides wall time: executor CPU seconds per side, Spark jobs per
 * table build, and per layer the bytes written over the bytes the layer published.
 */
final class WideFact implements Scenario {
  private static final LocalDate DAY = LocalDate.of(2024, 1, 1);
  private static final int FILES = 8;
  private static final List<Layer> LAYERS = List.of(Layer.BRONZE, Layer.SILVER, Layer.GOLD);

  private static final String PIPELINE =
      """
      pipeline: wide
      sources:
        lineitem_files:
          path: landing/lineitem/{date}
          options: {sep: "|", header: "false"}
          schema:
      %s
      tables:
        lineitem_raw:
          layer: bronze
          inputs: [lineitem_files]
          sql: lineitem_raw.sql
        lineitem:
          layer: silver
          inputs: [lineitem_raw]
          sql: lineitem.sql
          key: [l_orderkey, l_linenumber]
          max_quarantine_ratio: 0.01
          rules:
            quarantine:
              - IsComplete "l_orderkey"
            error:
              - IsPrimaryKey "l_orderkey" "l_linenumber"
              - ColumnValues "l_quantity" >= 1
              - ColumnValues "l_quantity" <= 50
              - ColumnValues "l_discount" <= 0.1
        pricing_summary:
          layer: gold
          inputs: [lineitem]
          sql: pricing_summary.sql
          rows_from: aggregate
      """;

  private static final String SILVER =
      """
      SELECT CAST(l_orderkey AS BIGINT) AS l_orderkey, CAST(l_linenumber AS INT) AS l_linenumber,
             CAST(l_partkey AS BIGINT) AS l_partkey, CAST(l_suppkey AS BIGINT) AS l_suppkey,
             CAST(l_quantity AS DECIMAL(15,2)) AS l_quantity, CAST(l_extendedprice AS DECIMAL(15,2)) AS l_extendedprice,
             CAST(l_discount AS DECIMAL(15,2)) AS l_discount, CAST(l_tax AS DECIMAL(15,2)) AS l_tax,
             l_returnflag, l_linestatus, CAST(l_shipdate AS DATE) AS l_shipdate, CAST(l_commitdate AS DATE) AS l_commitdate,
             CAST(l_receiptdate AS DATE) AS l_receiptdate, l_shipinstruct, l_shipmode, l_comment,
             CAST(as_of_date AS DATE) AS as_of_date
      FROM lineitem_raw
      """;

  private static final String GOLD =
      """
      SELECT l_returnflag, l_linestatus, SUM(l_quantity) AS sum_qty, SUM(l_extendedprice) AS sum_base_price,
             SUM(l_extendedprice * (1 - l_discount)) AS sum_disc_price, AVG(l_discount) AS avg_disc, COUNT(*) AS count_order,
             as_of_date
      FROM lineitem
      GROUP BY l_returnflag, l_linestatus, as_of_date
      """;

  private enum Side {
    COPY("plain copy to Delta"),
    STRATA("Strata bronze → silver → gold");

    final String label;

    Side(String label) {
      this.label = label;
    }
  }

  private enum Run {
    FIRST("first run"),
    RERUN("re-run");

    final String label;

    Run(String label) {
      this.label = label;
    }
  }

  @Override
  public String name() {
    return "wide";
  }

  @Override
  public Outcome run(SparkSession spark, Path work, Options options) throws IOException {
    long rows = options.wideRows();
    Path landing = work.resolve("landing/lineitem/" + DAY);
    long landed = WideGenerator.write(landing, DAY, rows, FILES, 42);
    System.out.printf(Locale.ROOT, "wide: landed %,d rows, %,d bytes in %d files%n", rows, landed, FILES);
    Pipeline pipeline = define(work.resolve("conf"));
    StageProfile profiler = StageProfile.attach(spark.sparkContext());
    HeapWatch heap = HeapWatch.attach();
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());

    Map<Side, Map<Run, List<Double>>> seconds = new EnumMap<>(Side.class);
    Map<Side, Map<Run, List<Double>>> cpu = new EnumMap<>(Side.class);
    Map<Side, Long> sideHeap = new EnumMap<>(Side.class);
    Map<String, StageProfile.Profile> firstByLayer = new LinkedHashMap<>();
    Map<Layer, Long> published = new EnumMap<>(Layer.class);
    Map<Side, StageProfile.Profile> firstRuns = new EnumMap<>(Side.class);
    for (int i = -1; i < options.repeats(); i++) { // i = -1: warm-up, not counted
      for (Side side : Side.values()) {
        Path warehouse = work.resolve("warehouse-" + side.name().toLowerCase(Locale.ROOT));
        for (String folder : List.of("bronze", "silver", "gold", "_strata", "copy")) {
          files.delete(warehouse.resolve(folder).toUri().toString());
        }
        linkLanding(work, warehouse);
        for (Run run : Run.values()) {
          heap.reset();
          long start = System.nanoTime();
          Map<String, StageProfile.Profile> layers = Map.of();
          StageProfile.Profile p;
          if (side == Side.COPY) {
            profiler.start();
            copy(spark, landing, warehouse.resolve("copy"));
            p = profiler.stop();
          } else {
            layers = strata(spark, pipeline, warehouse, profiler);
            p = layers.values().stream().reduce(StageProfile.Profile::plus).orElseThrow();
          }
          double s = (System.nanoTime() - start) / 1e9;
          double cpuSeconds = p.total().cpuNanos / 1e9;
          System.out.printf(Locale.ROOT, "wide: %s, %s %d: %.1fs wall, %.1fs executor CPU, %d Spark jobs, heap peak %,d MB%n",
              side.label, run.label, i, s, cpuSeconds, p.jobs(), heap.highest() >> 20);
          if (i >= 0) {
            seconds.computeIfAbsent(side, k -> new EnumMap<>(Run.class)).computeIfAbsent(run, k -> new ArrayList<>()).add(s);
            cpu.computeIfAbsent(side, k -> new EnumMap<>(Run.class)).computeIfAbsent(run, k -> new ArrayList<>()).add(cpuSeconds);
            sideHeap.merge(side, heap.highest(), Math::max);
            if (run == Run.FIRST) {
              firstRuns.merge(side, p, StageProfile.Profile::plus);
            }
            if (side == Side.STRATA && run == Run.FIRST && firstByLayer.isEmpty()) {
              firstByLayer.putAll(layers);
              for (Layer layer : LAYERS) {
                published.put(layer, publishedBytes(warehouse.resolve(layer.key())));
              }
            }
          }
        }
      }
    }
    long silverRows = rows - WideGenerator.nullKeys(rows);
    long strataRows = spark.read().format("delta").load(work.resolve("warehouse-strata/silver/lineitem").toString()).count();
    if (strataRows != silverRows) {
      throw new IllegalStateException("bench: silver holds " + strataRows + " rows, expected " + silverRows);
    }
    long copied = spark.read().format("delta").load(work.resolve("warehouse-copy/copy").toString()).count();
    if (copied != rows) {
      throw new IllegalStateException("bench: the copy holds " + copied + " rows, expected " + rows);
    }

    List<Comparison> comparisons = new ArrayList<>();
    List<Figure> figures = new ArrayList<>();
    for (Run run : Run.values()) {
      comparisons.add(new Comparison(name(), String.format(Locale.ROOT, "wide: %s through three layers vs a plain copy to Delta (%s)",
          "16-column pipe-separated text", run.label), rows, seconds.get(Side.COPY).get(run), seconds.get(Side.STRATA).get(run), Comparison.Kind.COST,
          2.0));
      figures.add(new Figure(name(), "wide: executor CPU, Strata vs the copy (" + run.label + ")",
          Comparison.median(cpu.get(Side.STRATA).get(run)) / Comparison.median(cpu.get(Side.COPY).get(run)), "×", 2.0, false));
    }
    figures.add(new Figure(name(), "wide: peak heap after GC, Strata vs the copy",
        (double) sideHeap.get(Side.STRATA) / Math.max(1, sideHeap.get(Side.COPY)), "×", 2.0, false));
    for (Layer layer : LAYERS) {
      StageProfile.Profile p = firstByLayer.get(layer.key());
      figures.add(new Figure(name(), "wide: " + layer.key() + " bytes written / bytes published",
          (double) p.total().bytesWritten / Math.max(1, published.get(layer)), "×", 1.1, false));
      figures.add(new Figure(name(), "wide: " + layer.key() + " Spark jobs per table build", p.jobs(), "", Double.NaN, false));
    }
    String whereTimeGoes = StageProfile.difference(Side.COPY.label, firstRuns.get(Side.COPY),
        Comparison.median(seconds.get(Side.COPY).get(Run.FIRST)), "Strata", firstRuns.get(Side.STRATA),
        Comparison.median(seconds.get(Side.STRATA).get(Run.FIRST)), options.repeats(), 14);
    return new Outcome(comparisons, figures, notes(options, landed, firstByLayer, published, cpu) + "\nWhere the time goes, first run:\n\n"
        + whereTimeGoes);
  }

  @Override
  public String analysis() {
    return """
        How to read it. Every row is written once per layer: bronze and silver write about what
        they publish (the quarantine's one row in 1,000 aside). Bronze parses the landing files
        straight into its table's folder (`InPlaceWrite` `writeFiles`) and counts every line and
        the malformed ones in that pass; it keeps no per-column statistics (row counts only: it is
        read a partition at a time), which the copy's table keeps. Silver writes the rows its
        quarantine rule passes into the table's folder while the same pass counts the rejected
        ones and sets them aside for the quarantine (`SetAside`, at most 50,000 rows: 6,000 here),
        so nothing is computed twice; counts, nulls and rule failures are observed during the
        writes, not read back. Gold's bytes ratio is its ledger rows against a table of a few
        rows: a fixed cost, not rows written twice. The three layers are one run, as `strata run`
        builds them; until 2026-12-06 this scenario ran one run per layer, which paid the run's
        own checks and ledger rows three times.

        What remains over the copy, by layer (executor CPU, table above). Bronze: the copy's parse
        and write, plus the source file of each row (`_metadata.file_path`, about a fifth of the
        copy at 2,000,000 rows, measured one change at a time) and the reader's malformed-line
        column with column pruning off (about a sixth). Silver: a read of bronze, 11 casts from
        text (decimals and dates), a write of typed columns with Delta's statistics, the distinct
        two-column keys counted on the written files (`BuildMeasures` `head`: a distinct count
        cannot be observed in the write), the staging of the rejected rows, and Deequ's pass for
        the range rules (`AnalysisRunner`). Gold reads silver and aggregates. Then the fixed cost
        of a run on the driver: its checks of every table, quarantine and ledger table it touches
        (a replay of each log, four at a time), its ledger rows, and per build a dozen small queries
        and their Delta commits, each planned and compiled (wall time well above executor CPU / 2
        cores, table above).

        What would close it, largest first: the range rules decided from a minimum and maximum
        observed in silver's write instead of Deequ's pass; the source file as a constant per file
        rather than a per-row metadata column (Spark 3.5 has no such option for its file sources);
        fewer queries per build. The 2.0× target counts three layers against one plain copy: bronze
        alone costs about 1.3× the copy and silver, reading bronze's Parquet, about as much again.
        """;
  }

  /** The part of a Strata run outside its table builds: the checks before, the run's ledger rows, the report. */
  static final String RUN_PART = "run";

  /**
   * Builds the three layers in one run, as {@code strata run wide --date ...} does, profiling the
   * run and, apart, each layer's build (the engine names each build's Spark jobs after its table)
   * and what the run does around them.
   */
  private static Map<String, StageProfile.Profile> strata(SparkSession spark, Pipeline pipeline, Path warehouse, StageProfile profiler) {
    EngineContext ctx = new EngineContext(spark, Warehouse.at(warehouse.toString()), Clock.systemUTC(), new PrintWriter(new StringWriter()),
        ExitCodes::of);
    profiler.start(properties -> {
      String description = properties.getProperty("spark.job.description");
      return description == null ? RUN_PART
          : pipeline.definition().table(description.split(" ")[0]).map(t -> t.layer().key()).orElse(RUN_PART);
    });
    RunResult run = new PipelineRunner(ctx).run(pipeline, new RunRequest(List.of(Partition.day(DAY)), Optional.empty(), Set.of(), "bench"));
    profiler.stop();
    Bench.check(run, "wide");
    Map<String, StageProfile.Profile> parts = new LinkedHashMap<>();
    for (Layer layer : LAYERS) {
      parts.put(layer.key(), profiler.parts().getOrDefault(layer.key(), StageProfile.Profile.empty()));
    }
    parts.put(RUN_PART, profiler.parts().getOrDefault(RUN_PART, StageProfile.Profile.empty()));
    return parts;
  }

  private static void copy(SparkSession spark, Path landing, Path table) {
    StructType schema = new StructType();
    for (String c : WideGenerator.COLUMNS) {
      schema = schema.add(c, DataTypes.StringType);
    }
    schema = schema.add("as_of_date", DataTypes.StringType);
    spark.read().option("sep", "|").option("header", "false").schema(schema).csv(landing.toString())
        .write().format("delta").mode("overwrite").save(table.toString());
  }

  private static Pipeline define(Path folder) throws IOException {
    Files.createDirectories(folder);
    StringBuilder schema = new StringBuilder();
    for (String c : WideGenerator.COLUMNS) {
      schema.append("          ").append(c).append(": string\n");
    }
    schema.append("          as_of_date: string");
    Files.writeString(folder.resolve("pipeline.yaml"), String.format(PIPELINE, schema));
    Files.writeString(folder.resolve("lineitem_raw.sql"), "SELECT * FROM lineitem_files");
    Files.writeString(folder.resolve("lineitem.sql"), SILVER);
    Files.writeString(folder.resolve("pricing_summary.sql"), GOLD);
    return PipelineValidator.validateOrThrow(folder.resolve("pipeline.yaml"), "wide");
  }

  /** Both sides read the one landing folder: the warehouse's landing is a link to it. */
  private static void linkLanding(Path work, Path warehouse) throws IOException {
    Files.createDirectories(warehouse);
    Path link = warehouse.resolve("landing");
    if (!Files.exists(link)) {
      Files.createSymbolicLink(link, work.resolve("landing"));
    }
  }

  /** The bytes of the data files under a layer's folder (its tables as the first run left them). */
  private static long publishedBytes(Path layer) throws IOException {
    if (!Files.exists(layer)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(layer)) {
      return files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().contains("_delta_log"))
          .mapToLong(f -> f.toFile().length()).sum();
    }
  }



  private static String notes(
      Options options, long landed, Map<String, StageProfile.Profile> layers, Map<Layer, Long> published, Map<Side, Map<Run, List<Double>>> cpu) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, """
        %,d rows × 16 columns (%,d MB of '|'-separated text in %d files, one in %,d without an order key),
        %d counted runs of each side after a warm-up. The copy reads the files with Spark's CSV reader and
        overwrites one Delta table; Strata builds bronze, silver and gold in one run (`strata run`), on
        fresh tables (first run) and again over the tables it left (re-run); each layer is profiled
        apart by the Spark jobs of its build, and the run's own (checks, ledger rows) apart again. Executor CPU: median per run, copy %.1f s, Strata %.1f s (first run).

        Per layer, first run (bytes written counts every file a build writes: staging, table,
        quarantine, ledger):

        | layer | bytes written | bytes published | Spark jobs | executor CPU |
        | --- | ---: | ---: | ---: | ---: |
        """, options.wideRows(), landed >> 20, FILES, WideGenerator.NULL_KEY_EVERY, options.repeats(),
        Comparison.median(cpu.get(Side.COPY).get(Run.FIRST)), Comparison.median(cpu.get(Side.STRATA).get(Run.FIRST))));
    for (Layer layer : LAYERS) {
      StageProfile.Site t = layers.get(layer.key()).total();
      s.append(String.format(Locale.ROOT, "| %s | %,d MB | %,d MB | %d | %.1f s |%n", layer.key(), t.bytesWritten >> 20,
          published.get(layer) >> 20, layers.get(layer.key()).jobs(), t.cpuNanos / 1e9));
    }
    StageProfile.Site around = layers.get(RUN_PART).total();
    s.append(String.format(Locale.ROOT, "| (the run around the builds) | %,d MB | | %d | %.1f s |%n", around.bytesWritten >> 20,
        layers.get(RUN_PART).jobs(), around.cpuNanos / 1e9));
    return s.toString();
  }
}

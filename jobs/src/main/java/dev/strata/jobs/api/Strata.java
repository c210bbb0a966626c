package dev.strata.jobs.api;

import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.Backfill;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.Faults;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.engine.RunRequest;
import dev.strata.jobs.engine.RunResult;
import dev.strata.jobs.engine.TableBuildResult;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Strata from a notebook: the same engine as {@code strata run} and {@code strata backfill}, on the
 * notebook's own SparkSession, with results as Datasets a notebook can display. Every call goes
 * through the ledger, the gates and the partition leases exactly as the command line does.
 *
 * <pre>{@code
 * Strata strata = Strata.on(spark, "conf/pipelines/banking", "s3a://bucket/warehouse");
 * strata.run("2024-01-01").show();                       // one partition, every table
 * strata.backfill("2024-01-01", "2024-01-31", "stg_account+").show(100, false);
 * strata.status().show();
 * }</pre>
 *
 * From PySpark (py4j): {@code DataFrame(spark._jvm.dev.strata.jobs.api.Strata.on(spark._jsparkSession,
 * path, warehouse).run("2024-01-01"), spark)}; see docs/notebooks.
 */
public final class Strata {
  /** One row per table partition a call built, skipped or refused. */
  public static final StructType RESULT =
      StructType.fromDDL(
          "run_id STRING, table STRING, layer STRING, partition STRING, status STRING, rows_in BIGINT, rows_published BIGINT,"
              + " rows_quarantined BIGINT, rows_filtered BIGINT, rules_failed ARRAY<STRING>, delta_version BIGINT, attempt INT,"
              + " message STRING");

  private final SparkSession spark;
  private final Pipeline pipeline;
  private final EngineContext ctx;
  private int parallelism = RunRequest.DEFAULT_PARALLELISM;

  private Strata(SparkSession spark, Pipeline pipeline, EngineContext ctx) {
    this.spark = spark;
    this.pipeline = pipeline;
    this.ctx = ctx;
  }

  /**
   * Strata on an existing session.
   *
   * @param definition a pipeline folder (holding pipeline.yaml) or the pipeline.yaml itself
   * @param warehouse the warehouse root: a path or a Hadoop URI
   * @throws dev.strata.jobs.StrataException.InvalidException if the definition is invalid, or the
   *     session was started without Delta's extension
   */
  public static Strata on(SparkSession spark, String definition, String warehouse) {
    String extensions = spark.conf().get("spark.sql.extensions", "");
    if (!extensions.contains("io.delta.sql.DeltaSparkSessionExtension")) {
      throw new dev.strata.jobs.StrataException.InvalidException(
          "This SparkSession was started without Delta Lake's extension, which Strata's writes need and which cannot be"
              + " added to a running session. Start it with --conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension"
              + " --conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog.",
          null);
    }
    Path file = Paths.get(definition);
    if (Files.isDirectory(file)) {
      file = file.resolve("pipeline.yaml");
    }
    Pipeline pipeline = PipelineValidator.validateOrThrow(file.toAbsolutePath().normalize(), definition);
    EngineContext ctx =
        new EngineContext(
            spark, Warehouse.at(warehouse), Clock.systemUTC(), new PrintWriter(System.out, true), Map.copyOf(System.getenv()),
            Faults.NONE);
    return new Strata(spark, pipeline, ctx);
  }

  /** How many table partitions build at once (default 4). */
  public Strata parallelism(int n) {
    this.parallelism = n;
    return this;
  }

  /** Builds one partition of every table. */
  public Dataset<Row> run(String date) {
    return run(date, date);
  }

  /** Builds a range of partitions of every table. */
  public Dataset<Row> run(String from, String to) {
    RunRequest request =
        new RunRequest(RunRequest.range(LocalDate.parse(from), LocalDate.parse(to)), Optional.empty(), Set.of(), "notebook",
            parallelism, Set.of(), null, RunRequest.DEFAULT_LOCK_TIMEOUT, false);
    return results(new PipelineRunner(ctx).run(pipeline, request));
  }

  /**
   * Backfills a range: a plan stored in the ledger, resumed if issued again (units already
   * published by it are skipped).
   *
   * @param tables selectors as for {@code --tables} (T, T+, +T); none for every table
   */
  public Dataset<Row> backfill(String from, String to, String... tables) {
    return backfill(from, to, false, tables);
  }

  /** {@link #backfill}, rebuilding every unit if {@code force}. */
  public Dataset<Row> backfill(String from, String to, boolean force, String... tables) {
    Backfill backfill = new Backfill(ctx);
    Set<String> selected = tables.length == 0 ? Set.of() : pipeline.select(Arrays.asList(tables));
    Backfill.Plan plan = backfill.plan(pipeline, LocalDate.parse(from), LocalDate.parse(to), selected, force);
    backfill.print(plan);
    RunResult run = backfill.execute(pipeline, plan, parallelism, RunRequest.DEFAULT_LOCK_TIMEOUT);
    return run == null ? spark.createDataFrame(List.of(), RESULT) : results(run);
  }

  /** The latest build of every table partition, with its last successful publish, from the ledger. */
  public Dataset<Row> status() {
    return new Ledger(spark, ctx.warehouse()).latestBuilds(pipeline.name())
        .map(d -> d.orderBy(org.apache.spark.sql.functions.col("table"), org.apache.spark.sql.functions.col("partition").desc()))
        .orElse(spark.createDataFrame(List.of(), RESULT));
  }

  private Dataset<Row> results(RunResult run) {
    List<Row> rows = new ArrayList<>();
    for (TableBuildResult b : run.builds()) {
      List<String> failed =
          b.gate().results().stream().filter(r -> !r.passed()).map(r -> r.spec().text() + ": " + r.message()).toList();
      rows.add(
          RowFactory.create(
              run.runId(), b.table(), b.layer().key(), b.partition().toString(), b.status().name(),
              b.counts().known() ? b.counts().in() : null, b.counts().known() ? b.counts().published() : null,
              b.counts().known() ? b.counts().quarantined() : null, b.counts().known() ? b.counts().filtered() : null,
              scala.collection.JavaConverters.asScalaBufferConverter(failed).asScala().toSeq(),
              b.deltaVersion() < 0 ? null : b.deltaVersion(), b.attempt(), b.message()));
    }
    return spark.createDataFrame(rows, RESULT);
  }
}

package dev.strata.jobs.cli;

import dev.strata.api.Partition;
import dev.strata.api.RunOutcome;
import dev.strata.api.Strata;
import dev.strata.api.StrataException;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.Backfill;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.engine.Steps;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.run.Invocation;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The engine behind {@link Strata#on}: a notebook's entry point, like the command line's, on the
 * notebook's own session. Found by {@link java.util.ServiceLoader} (META-INF/services).
 */
public final class NotebookStrata implements Strata {
  private final SparkSession spark;
  private final Pipeline pipeline;
  private final EngineContext ctx;
  private int parallelism = RunRequest.DEFAULT_PARALLELISM;

  private NotebookStrata(SparkSession spark, Pipeline pipeline, EngineContext ctx) {
    this.spark = spark;
    this.pipeline = pipeline;
    this.ctx = ctx;
  }

  /** Registered as the {@link Strata.Provider} of the job jar. */
  public static final class Provider implements Strata.Provider {
    @Override
    public Strata open(SparkSession spark, String definition, String warehouse) {
      String extensions = spark.conf().get("spark.sql.extensions", "");
      if (!extensions.contains("io.delta.sql.DeltaSparkSessionExtension")) {
        throw new StrataException.InvalidException(
            "This SparkSession was started without Delta Lake's extension, which Strata's writes need and which cannot be"
                + " added to a running session. Start it with --conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension"
                + " --conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog.");
      }
      Path file = Paths.get(definition);
      if (Files.isDirectory(file)) {
        file = file.resolve("pipeline.yaml");
      }
      Pipeline pipeline = PipelineValidator.validateOrThrow(file.toAbsolutePath().normalize(), definition);
      EngineContext ctx =
          new EngineContext(
              spark, Warehouse.at(warehouse), Clock.systemUTC(), new PrintWriter(System.out, true), Map.copyOf(System.getenv()),
              Steps.DIRECT, Invocation.DEFAULT, ExitCodes::of);
      return new NotebookStrata(spark, pipeline, ctx);
    }
  }

  @Override
  public Strata parallelism(int n) {
    this.parallelism = n;
    return this;
  }

  @Override
  public RunOutcome run(String partition) {
    return run(partition, partition);
  }

  @Override
  public RunOutcome run(String from, String to) {
    RunRequest request =
        new RunRequest(RunRequest.range(Partition.parse(from), Partition.parse(to)), Optional.empty(), Set.of(), "notebook")
            .withParallelism(parallelism);
    return new PipelineRunner(ctx).run(pipeline, request).outcome();
  }

  @Override
  public RunOutcome backfill(String from, String to, String... tables) {
    return backfill(from, to, false, tables);
  }

  @Override
  public RunOutcome backfill(String from, String to, boolean force, String... tables) {
    Backfill backfill = new Backfill(ctx);
    Set<String> selected = tables.length == 0 ? Set.of() : pipeline.select(Arrays.asList(tables));
    Backfill.Plan plan = backfill.plan(pipeline, Partition.parse(from), Partition.parse(to), selected, force);
    backfill.print(plan);
    RunResult run = backfill.execute(pipeline, plan, parallelism, RunRequest.DEFAULT_LOCK_TIMEOUT);
    Instant now = ctx.clock().instant();
    return run != null ? run.outcome() : new RunOutcome(plan.id(), pipeline.name(), List.of(), now, now, List.of(), "");
  }

  @Override
  public Dataset<Row> status() {
    return new Ledger(spark, ctx.warehouse()).latestBuildsTable(pipeline.name())
        .map(d -> d.orderBy(functions.col("table"), functions.col("partition").desc()))
        .orElse(spark.createDataFrame(List.of(), RunOutcome.SCHEMA));
  }
}

package dev.strata.bench;

import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.io.Warehouse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * Scenarios "scaling" and "raw speed": the banking pipeline, every rule on, at growing sizes
 * (customers ×1, ×4, ×16), each size next to a plain Spark copy of the same landing files to
 * Delta (the floor no pipeline can beat). Fits how wall time grows with the rows, and watches the
 * heap after each garbage collection.
 *
 * <p>Two variants: {@code scaling} in local mode, where the driver and the tasks share one heap,
 * and {@code scaling-cluster} on a Spark standalone cluster ({@code scripts/bench} starts one with
 * {@code scripts/spark-cluster}), where the tasks run in executor JVMs and the heap watched is the
 * driver's alone: the one whose growth with the data the driver-memory target is about.
 */
final class Scaling implements Scenario {
  private final boolean onCluster;

  Scaling(boolean onCluster) {
    this.onCluster = onCluster;
  }

  @Override
  public String name() {
    return onCluster ? "scaling-cluster" : "scaling";
  }

  @Override
  public boolean onCluster() {
    return onCluster;
  }

  @Override
  public int repeats(Options options) {
    return options.scalingRepeats();
  }

  @Override
  public Outcome run(SparkSession spark, Path work, Options options) throws IOException {
    if (spark.sparkContext().isLocal() == onCluster) {
      throw new IllegalStateException(onCluster
          ? "scenario " + name() + " runs on a Spark cluster; scripts/bench starts one for it (scripts/spark-cluster)"
          : "scenario " + name() + " measures local mode; on a cluster, select scaling-cluster");
    }
    Pipeline pipeline = PipelineValidator.validateOrThrow(options.conf().resolve("pipelines/banking/pipeline.yaml"), "banking");
    HeapWatch heap = HeapWatch.attach();
    int cores = Runtime.getRuntime().availableProcessors();
    List<Comparison> lines = new ArrayList<>();
    List<Size> sizes = new ArrayList<>();
    boolean warm = false;
    for (int customers : options.scaling()) {
      Warehouse warehouse = Warehouse.at(work.resolve("warehouse-" + customers).toString());
      EngineContext ctx = new EngineContext(spark, warehouse, Clock.systemUTC(), new PrintWriter(new StringWriter()), dev.strata.jobs.cli.ExitCodes::of);
      ctx.files().delete(warehouse.root());
      new BankingGenerator(ctx.files(), 42).writeDay(warehouse.root() + "/landing", BankingSides.DAY, customers, BankingSides.DEFECTS);
      long rows = BankingSides.inputRows(customers);
      List<Double> pipelineSeconds = new ArrayList<>();
      List<Double> copySeconds = new ArrayList<>();
      long highest = 0;
      long retained = 0;
      for (int i = warm ? 0 : -1; i < options.scalingRepeats(); i++) { // i = -1: warm-up, at the first size only
        double copy = copy(spark, warehouse.root());
        heap.reset();
        long start = System.nanoTime();
        Bench.check(
            new PipelineRunner(ctx).run(pipeline, new RunRequest(BankingSides.DAY, BankingSides.DAY, Optional.empty(), Set.of(), "bench")),
            "banking at " + customers + " customers");
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %,d customers run %d: pipeline %.2fs, copy %.2fs, heap after GC up to %d MB%n",
            name(), customers, i, s, copy, heap.highest() >> 20);
        if (i >= 0) {
          pipelineSeconds.add(s);
          copySeconds.add(copy);
          highest = Math.max(highest, heap.highest());
          retained = Math.max(retained, HeapWatch.retained());
        }
      }
      warm = true;
      ctx.files().delete(warehouse.root());
      // The next size writes new tables: forget this size's Delta logs, as a new job would not have them.
      org.apache.spark.sql.delta.DeltaLog.clearCache();
      lines.add(new Comparison(name(),
          String.format(Locale.ROOT, "raw speed%s: banking bronze → silver → gold vs a plain copy of its input to Delta, %,d customers",
              onCluster ? " on a cluster" : "", customers),
          rows, copySeconds, pipelineSeconds, Comparison.Kind.COST, Double.NaN));
      sizes.add(new Size(customers, rows, Comparison.median(pipelineSeconds), Comparison.median(copySeconds), highest, retained));
    }
    List<Double> rows = sizes.stream().map(z -> (double) z.rows()).toList();
    double exponent = exponent(rows, sizes.stream().map(Size::pipelineSeconds).toList());
    double copyExponent = exponent(rows, sizes.stream().map(Size::copySeconds).toList());
    Size first = sizes.get(0);
    Size last = sizes.get(sizes.size() - 1);
    double heapGrowth = (double) last.highestHeap() / first.highestHeap();
    double times = (double) last.rows() / first.rows();
    // The driver-memory target applies where the heap watched is the driver's alone.
    Figure heapFigure = onCluster
        ? new Figure(name(), String.format(Locale.ROOT, "%s: highest driver heap after GC at %.0f× the rows vs at 1×", name(), times),
            heapGrowth, "×", 1.25, false)
        : new Figure(name(), String.format(Locale.ROOT,
            "%s: highest heap after GC at %.0f× the rows vs at 1× (local mode: the driver's and the tasks')", name(), times),
            heapGrowth, "×", Double.NaN, false);
    List<Figure> figures = List.of(
        new Figure(name(), name() + ": exponent of wall time in rows, banking pipeline (fitted, log-log)", exponent, "", 1.05, false),
        new Figure(name(), name() + ": exponent of wall time in rows, plain copy to Delta (fitted, log-log)", copyExponent, "", Double.NaN,
            false),
        heapFigure);
    return new Outcome(lines, figures, notes(spark, sizes, cores, options));
  }

  /** A plain Spark job copying the day's landing CSV files to two Delta tables; its wall time in seconds. */
  private static double copy(SparkSession spark, String warehouse) {
    long start = System.nanoTime();
    for (String source : List.of("customers", "accounts")) {
      spark.read().option("header", "true").csv(warehouse + "/landing/" + source + "/" + BankingSides.DAY)
          .write().format("delta").mode("overwrite").save(warehouse + "/copy/" + source);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * What one size measured: its landing rows, the median wall time of each side, and the heap
   * (highest after a collection during a run, and retained after one), in bytes.
   */
  private record Size(int customers, long rows, double pipelineSeconds, double copySeconds, long highestHeap, long retainedHeap) {}

  /** The least-squares slope of log(seconds) against log(rows): 1 is linear. */
  static double exponent(List<Double> rows, List<Double> seconds) {
    int n = rows.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (int i = 0; i < n; i++) {
      double x = Math.log(rows.get(i));
      double y = Math.log(seconds.get(i));
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
  }

  private String notes(SparkSession spark, List<Size> sizes, int cores, Options options) {
    StringBuilder table = new StringBuilder(
        "| customers | input rows | pipeline | rows/s per core | plain copy | rows/s per core | pipeline / copy | highest heap after GC | retained after the run |\n"
            + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Size z : sizes) {
      table.append(String.format(Locale.ROOT, "| %,d | %,d | %.1f s | %,.0f | %.1f s | %,.0f | %.1f× | %,d MB | %,d MB |%n",
          z.customers(), z.rows(), z.pipelineSeconds(), z.rows() / z.pipelineSeconds() / cores, z.copySeconds(),
          z.rows() / z.copySeconds() / cores, z.pipelineSeconds() / z.copySeconds(), z.highestHeap() >> 20, z.retainedHeap() >> 20));
    }
    return String.format(
        Locale.ROOT,
        """
        The banking pipeline with every rule (`conf/pipelines/banking`, one day: 8 tables) at each
        size, next to a plain Spark job that copies the same landing CSV files to two Delta tables:
        the floor no pipeline reading those files can beat. Median of %d runs per size, after one
        warm-up run at the first size. Rows are the landing rows (customers and accounts); rows/s
        per core divides them by the wall time and the %d cores.

        %s
        The exponent is the slope of log(wall time) against log(rows) over all sizes: 1 is linear,
        below 1 means a fixed cost still weighs on the smaller sizes. Heap is the driver JVM's heap
        in use after each garbage collection (the highest during a run), and after a full
        collection once the run ended; the JVM could use at most %,d MB (`STRATA_DRIVER_MEMORY`).
        %s
        """,
        options.scalingRepeats(), cores, table, Runtime.getRuntime().maxMemory() >> 20, onCluster
            ? String.format(Locale.ROOT, """
                Here the driver ran the engine against a Spark standalone cluster on this machine
                (`scripts/spark-cluster`: executors of %s, %d cores in all), so the tasks ran in the
                executors' JVMs and the heap is the driver's alone: the engine's state, Delta's
                snapshots, the ledger, query plans. The engine collects nothing to the driver but
                counts and rule metrics.""",
                spark.conf().get("spark.executor.memory", "1g"), spark.sparkContext().defaultParallelism())
            : """
                In local mode the driver and the executor share that heap, so it bounds the driver's
                memory from above and also holds what the tasks hold: Spark's execution memory (a
                fixed fraction of the heap) and, outside it, each writing task's Parquet row group (up
                to 128 MB), which grows with the files until they reach that size. The driver's own
                heap is measured by `scaling-cluster`.""");
  }
}

package dev.strata.bench;

import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.EngineContext;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Scenario "incremental": a warehouse holding N days of history (a gated bronze table with its
 * quarantine); a one-day incremental run ({@code strata run P} after a new day landed)
 * against a full refresh ({@code strata run P --full-refresh}, every landed partition of every
 * table), at each history size. Both are timed as the CLI runs them: planning from the landing
 * listing and the ledger, then the run.
 */
final class IncrementalRefresh implements Scenario {
  private static final LocalDate FIRST_DAY = LocalDate.of(2024, 1, 1);
  /** Days built before anything is timed: the JVM's warm-up. */
  private static final int WARM_UP_DAYS = 7;

  /**
   * One table, so that a full refresh of 365 days fits the bench's half hour on two cores: the
   * bronze table of a daily source, gated (a warn rule, a quarantine rule, an error rule), with
   * its quarantine. What the scenario measures, planning from the landing listing and the ledger
   * and building only the new partition, does not depend on how many tables there are: each adds
   * one unit to the daily run and one per day to the full refresh.
   */
  private static final String PIPELINE =
      """
      pipeline: daily
      """ + BankingSides.ACCOUNTS_SOURCE + """
      tables:
        accounts_raw:
          layer: bronze
          inputs: [accounts]
          sql: accounts_raw.sql
          rules:
            warn:
              - IsComplete "account_id"
            quarantine:
              - IsComplete "customer_id"
            error:
              - IsPrimaryKey "account_id"
      """;

  @Override
  public String name() {
    return "incremental";
  }

  @Override
  public Outcome run(SparkSession spark, Path work, Options options) throws IOException {
    Path folder = work.resolve("conf/daily");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("pipeline.yaml"), PIPELINE);
    Files.writeString(folder.resolve("accounts_raw.sql"), "SELECT * FROM accounts");
    Pipeline pipeline = PipelineValidator.validateOrThrow(folder.resolve("pipeline.yaml"), "daily");
    Warehouse warehouse = Warehouse.at(work.resolve("warehouse-daily").toString());
    EngineContext ctx = new EngineContext(spark, warehouse, Clock.systemUTC(), new PrintWriter(new StringWriter()), dev.strata.jobs.cli.ExitCodes::of);
    ctx.files().delete(warehouse.root());
    BankingGenerator generator = new BankingGenerator(ctx.files(), 7);
    Defects defects = Defects.NONE;
    int rowsPerDay = BankingGenerator.accountCount(options.dailyCustomers());

    int landed = 0;
    for (; landed < WARM_UP_DAYS; landed++) {
      generator.writeDay(warehouse.root() + "/landing", FIRST_DAY.plusDays(landed), options.dailyCustomers(), defects);
    }
    Bench.incremental(ctx, pipeline, false, name(), "warm-up: " + WARM_UP_DAYS + " days", WARM_UP_DAYS);

    List<Comparison> comparisons = new ArrayList<>();
    List<Double> firstDaily = null;
    List<Integer> sizes = options.days();
    for (int size : sizes) {
      for (; landed < size; landed++) {
        generator.writeDay(warehouse.root() + "/landing", FIRST_DAY.plusDays(landed), options.dailyCustomers(), defects);
      }
      double full = Bench.incremental(ctx, pipeline, true, name(), "full refresh of " + landed + " days", landed);
      List<Double> daily = new ArrayList<>();
      for (int i = -1; i < options.repeats(); i++) { // i = -1: warm-up, not counted
        generator.writeDay(warehouse.root() + "/landing", FIRST_DAY.plusDays(landed), options.dailyCustomers(), defects);
        landed++;
        double s = Bench.incremental(ctx, pipeline, false, name(), "one new day after " + (landed - 1) + " days", 1);
        if (i >= 0) {
          daily.add(s);
        }
      }
      comparisons.add(
          new Comparison(
              name(), String.format(Locale.ROOT, "incremental: one new day vs `--full-refresh`, %d days of history", size),
              // The target is the 365-day warehouse's (the largest size); smaller ones show how the ratio grows.
              rowsPerDay, List.of(full), daily, Comparison.Kind.SPEEDUP, size == sizes.get(sizes.size() - 1) ? 50 : Double.NaN));
      if (firstDaily == null) {
        firstDaily = daily;
      } else {
        comparisons.add(
            new Comparison(
                name(), String.format(Locale.ROOT, "incremental: one new day at %d vs %d days of history", size, sizes.get(0)),
                rowsPerDay, firstDaily, daily, Comparison.Kind.COST, 1.25));
      }
    }
    return new Outcome(comparisons, notes(options, rowsPerDay));
  }

  private static String notes(Options options, int rowsPerDay) {
    return String.format(
        Locale.ROOT,
        """
        A daily source of %,d accounts a day and its bronze table, gated: a warn rule, a
        quarantine rule (so each build also replaces its quarantine partition), an error rule and
        the default `RowCount > 0`. At each history size, the full refresh is `strata run daily
        --full-refresh` (every landed partition rebuilt and gated; timed once: it is the expensive
        side), and the daily run is `strata run daily` after one more day landed (planning from one
        listing of the landing folder and the ledger, then the new partition; median of %d after a
        warm-up). Both include their planning, the ledger writes and the report, as the CLI does.

        The daily run's cost is the new partition plus a fixed cost (the listing, the ledger reads,
        the run's own ledger rows); nothing in it reads the history's data. What grows with history
        is the listing and the ledger's rows (one per build), a few kilobytes per day, read once per
        run; the ledger is compacted above 64 files so that its file count does not grow. The full
        refresh is one unit of work per table partition, each gated and committed on its own, four
        at a time, so its cost is linear in the days. A pipeline of more tables adds one unit per
        table to the daily run, run one after the other when each reads the one before, and one per
        table and day to the full refresh: the ratio stays about the same. One table keeps the
        365-day full refresh within the bench's half hour on two cores.

        What a unit costs on small days is mostly fixed, and mostly on the driver: about 5 Delta
        commits (the table, its quarantine, the ledger's builds and gate results, the manifest of
        ingested files), a dozen small Spark jobs (staging with its counts and metrics, the Deequ
        gate), each planned and compiled. Profiled with JFR on this scenario, the driver spent 28%%
        of its time generating and compiling code for those small queries and 14%% in the Delta log;
        the largest single cost was Delta's general `replaceWhere` path, which runs a DELETE and
        with it a reconstruction of the table's whole state on every commit: builds now take the
        metadata-only path for their partition predicate, and the staging pass also counts the good
        rows and measures the metrics (one job instead of five), which cut the full refresh by a
        fifth. Building many partitions of a table in one unit (one read, one staged write,
        per-partition gates, one commit) would cut it several times more; the daily run would not
        change.
        """,
        rowsPerDay, options.repeats());
  }
}

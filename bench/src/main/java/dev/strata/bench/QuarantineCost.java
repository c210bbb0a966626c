package dev.strata.bench;

import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * Scenario "quarantine cost": the same silver table build (stg_account, typed from accounts_raw)
 * with three row-level quarantine rules, against the same build with none. Both pipelines are
 * written here, so the only difference is the quarantine group.
 */
final class QuarantineCost implements Scenario {
  private static final LocalDate DAY = LocalDate.of(2024, 1, 1);

  private static final String PIPELINE =
      """
      pipeline: %s
      """ + BankingSides.ACCOUNTS_SOURCE + """
      tables:
        accounts_raw:
          layer: bronze
          inputs: [accounts]
          sql: accounts_raw.sql
        stg_account:
          layer: silver
          inputs: [accounts_raw]
          transform: dev.strata.transforms.banking.StageAccount
          rules:
            error:
              - IsPrimaryKey "account_id"
      %s
      """;
  /** The candidate's extra rule group, indented to sit under stg_account's rules. */
  private static final String QUARANTINE =
      "      quarantine:\n"
          + "        - IsComplete \"customer_id\"\n"
          + "        - ColumnValues \"balance\" >= 0\n"
          + "        - ColumnValues \"account_type\" in [\"checking\", \"savings\"]\n";

  @Override
  public String name() {
    return "quarantine";
  }

  @Override
  public Outcome run(SparkSession spark, Path work, Options options) throws IOException {
    PrintWriter quiet = new PrintWriter(new StringWriter());
    Map<String, Pipeline> pipelines = new LinkedHashMap<>();
    Map<String, EngineContext> contexts = new LinkedHashMap<>();
    for (String side : List.of("plain", "quarantine")) {
      Path folder = work.resolve("conf/" + side);
      Files.createDirectories(folder);
      String indented = side.equals("plain") ? "" : QUARANTINE.stripTrailing();
      Files.writeString(folder.resolve("pipeline.yaml"), String.format(PIPELINE, side, indented));
      Files.writeString(folder.resolve("accounts_raw.sql"), "SELECT * FROM accounts");
      pipelines.put(side, PipelineValidator.validateOrThrow(folder.resolve("pipeline.yaml"), side));
      Warehouse warehouse = Warehouse.at(work.resolve("warehouse-" + side).toString());
      EngineContext ctx = new EngineContext(spark, warehouse, Clock.systemUTC(), quiet, dev.strata.jobs.cli.ExitCodes::of);
      contexts.put(side, ctx);
      // 1% negative balances, so the quarantine really splits rows.
      new BankingGenerator(ctx.files(), 42)
          .writeDay(warehouse.root() + "/landing", DAY, options.customers(), new Defects(0, 0, 0, 0, 0, 0, 0, 0, 0.01));
      Bench.check(new PipelineRunner(ctx).run(pipelines.get(side), request("accounts_raw")), side + " bronze");
    }
    Map<String, List<Double>> seconds = new LinkedHashMap<>();
    long rows = -1;
    for (int i = -1; i < options.repeats(); i++) { // i = -1: warm-up, not counted
      for (String side : pipelines.keySet()) {
        long start = System.nanoTime();
        RunResult run = new PipelineRunner(contexts.get(side)).run(pipelines.get(side), request("stg_account"));
        double s = (System.nanoTime() - start) / 1e9;
        Bench.check(run, side);
        TableBuildResult build = run.builds().get(0);
        rows = build.counts().in();
        if (i >= 0) {
          seconds.computeIfAbsent(side, k -> new ArrayList<>()).add(s);
        }
        System.out.printf(
            Locale.ROOT, "quarantine: %s run %d: %.2fs (%d rows in, %d quarantined)%n", side, i, s, build.counts().in(),
            build.counts().quarantined());
      }
    }
    Comparison c =
        new Comparison(
            name(), "quarantine cost: `stg_account` build with 3 row-level quarantine rules vs none", rows,
            seconds.get("plain"), seconds.get("quarantine"), Comparison.Kind.COST, 1.10);
    return new Outcome(List.of(c), NOTES);
  }

  private static RunRequest request(String table) {
    return new RunRequest(DAY, DAY, Optional.empty(), Set.of(table), "bench");
  }

  private static final String NOTES =
      """
      When every quarantine rule has a native form — IsComplete, ColumnValues compared with a number
      or a set of strings, ReferentialIntegrity as a join with the reference's keys — as in this
      scenario, the rules are evaluated in the projection that writes the transform's output, and
      the write's own pass counts the rows, the rejected ones and the rows each rule rejected
      (`Dataset.observe`; the engine checks `in = published + quarantined + filtered` on those
      counts).

      The split is written in that one pass: the rows no rule rejected go straight into the
      table's folder, unpublished, and the filter that drops the rejected ones hands each to an
      accumulator (`SetAside`) that brings them to the driver with the tasks' results, up to
      50,000 rows. They are staged (3,333 rows here) and checked against the count and a checksum
      the pass observed of them, then appended to the quarantine. The transform computes once:
      before `SetAside`, this projection computed its rejected rows again from bronze, and a
      transform that joins, aggregates or deduplicates staged every row once and copied the
      passing ones. At this size (a 5-second build) what the candidate pays over the plain build
      is mostly fixed, not per row: the rejected rows' staging (a write, and a read for their
      checksum and count), the quarantine table's own commit (its log checked at the run's start,
      replayed for the partition it replaces), and the three rules' results in the ledger.
      Writing the set-aside rows to the quarantine straight from the driver, and staging them
      only when the gate blocks, would take off the staging.

      Rules without a native form (IsUnique, ColumnLength, thresholds, where clauses, `matches`) go
      through Deequ's `processRows`, which makes a metrics pass of its own before its row-level
      columns; for those the transform's output is staged first, so that Deequ's pass reads staged
      rows rather than computing the transform twice. The first version of this harness sent every
      rule through Deequ and measured 1.88× on the same scenario.
      """;
}

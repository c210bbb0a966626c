package dev.strata.jobs.cli;

import dev.strata.api.BuildStatus;
import dev.strata.jobs.Errors;
import dev.strata.api.Partition;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.stream.KafkaPull;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The guided tour: generate sample data, run the banking pipeline over a few days, then feed it a
 * broken file and show the gate keeping the published tables as they were. {@code demo
 * customer_analytics} tours the second pipeline: late data absorbed, and a gate blocking
 * ({@link CustomerAnalyticsDemo}).
 */
@Command(
    name = "demo",
    description = {
      "Generate sample data, run the banking pipeline over a few days, then show a gate blocking",
      "a broken input while the published tables stay as they were. Exits 0 when all behaved as designed.",
      "'demo customer_analytics': orders landing days late rebuild the days they belong to, and a",
      "redelivery with an undeclared status is blocked while the published day stays as it was."
    })
final class DemoCommand implements Callable<Integer> {
  static final String DEMO_WAREHOUSE = "./warehouse-demo";

  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", defaultValue = "banking", paramLabel = "PIPELINE",
      description = "banking (default) or customer_analytics.")
  String pipeline;

  @Option(names = "--rows", defaultValue = "20000",
      description = "Customers per day for banking, orders per day for customer_analytics (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--days", description = "Days to generate and run (default 3; 2 for customer_analytics, whose tickets land hourly).")
  Integer days;

  @Option(names = "--customers", defaultValue = "2000", description = "customer_analytics: customers who order (default ${DEFAULT-VALUE}).")
  int customers;

  @Override
  public Integer call() {
    Errors.check(pipeline.equals("banking") || pipeline.equals("customer_analytics"),
        "Cannot run the demo of '%s': there are demos of banking (the default) and customer_analytics.", pipeline);
    Errors.check(rows > 0 && rows <= 10_000_000, "Cannot run the demo: --rows must be between 1 and 10000000, got %d.", rows);
    Errors.check(customers > 0 && customers <= 10_000_000, "Cannot run the demo: --customers must be between 1 and 10000000, got %d.",
        customers);
    int days = this.days != null ? this.days : pipeline.equals("banking") ? 3 : 2;
    Errors.check(days > 0 && days <= 366, "Cannot run the demo: --days must be between 1 and 366, got %d.", days);
    PrintWriter out = spec.commandLine().getOut();
    Instant started = Instant.now();
    Pipeline definition = common.validated(pipeline);
    Warehouse warehouse = Warehouse.at(common.warehouse != null ? common.warehouse : DEMO_WAREHOUSE);
    SparkSession spark = common.session("strata demo");
    EngineContext ctx = new EngineContext(spark, warehouse, Clock.systemUTC(), out, ExitCodes::of);
    if (pipeline.equals("customer_analytics")) {
      // Its orders come from the shop's database: the one the environment (or --env-file) names,
      // else the project's local server, which the demo starts.
      Map<String, String> env = common.environment();
      Optional<Map<String, String>> database = env.containsKey("STRATA_JDBC_URL") || env.containsKey("PGHOST")
          ? Optional.of(env)
          : DemoDatabase.start(scripts(), out);
      Errors.check(database.isPresent(), "Cannot run the customer_analytics demo: it reads its orders from a PostgreSQL database, and"
          + " there is none here. Install Debian's postgresql package (apt-get install postgresql) so that scripts/postgres-local can"
          + " start one, or name yours in STRATA_JDBC_URL, PGUSER and PGPASSWORD (the environment or --env-file).");
      // Its support tickets come from a Kafka topic: the broker the environment names, else the
      // project's local one (it needs only Java and Maven).
      Optional<Map<String, String>> broker = env.containsKey(KafkaPull.BOOTSTRAP_ENV) ? Optional.of(env) : DemoBroker.start(scripts(), out);
      Errors.check(broker.isPresent(), "Cannot run the customer_analytics demo: it reads its support tickets from a Kafka topic, and"
          + " scripts/kafka-local could not start a broker (see above); or name yours in %s (the environment or --env-file).",
          KafkaPull.BOOTSTRAP_ENV);
      Map<String, String> settings = new java.util.HashMap<>(database.get());
      settings.putAll(broker.get());
      ctx = new EngineContext(spark, warehouse, Clock.systemUTC(), out, Map.copyOf(settings), ctx.steps(), ctx.invocation(), ExitCodes::of);
      return new CustomerAnalyticsDemo(ctx, definition, rows, customers, days, database.get(), broker.get()).run();
    }
    Pipeline banking = definition;
    String landing = warehouse.root() + "/landing";
    LocalDate first = LocalDate.of(2024, 1, 1);
    LocalDate last = first.plusDays(days - 1);

    out.printf("== 1. Generate %d days of clean banking data (%,d customers a day) into %s%n", days, rows, landing);
    GenerateCommand.write(ctx.files(), landing, first, days, rows, 42, Defects.NONE, out);

    out.printf("%n== 2. Run the banking pipeline for %s..%s; account_summary is delivered once published: a CSV export per day,%n"
        + "   and the day's rows in PostgreSQL where there is one%n", first, last);
    Optional<Map<String, String>> database =
        DemoDatabase.start(scripts(), out);
    ctx = new EngineContext(spark, warehouse, Clock.systemUTC(), out, database.orElse(Map.of()), ctx.steps(), ctx.invocation(), ExitCodes::of);
    RunResult clean = new PipelineRunner(ctx).run(banking, new RunRequest(first, last, Optional.empty()));
    long expectedDeliveries = (long) days * (database.isPresent() ? 2 : 1);
    boolean delivered = clean.deliveries().size() == expectedDeliveries && clean.failedDeliveries().isEmpty();
    out.printf("%n   What the outputs received:%n");
    String export = warehouse.root() + "/exports/account_summary/" + last;
    out.printf("   %s: %s%n", export, ctx.files().dataFiles(export).stream().map(f -> f.substring(f.lastIndexOf('/') + 1)).toList());
    database.ifPresent(db -> DemoDatabase.show(db, "SELECT as_of_date, count(*) AS accounts, sum(new_balance_amount) AS balance"
        + " FROM account_summary GROUP BY as_of_date ORDER BY as_of_date", out));

    out.printf("%n== 3. A broken delivery: accounts for %s arrive with 1%% duplicate account ids%n", last);
    Map<String, String> before = snapshot(spark, warehouse, banking, Partition.day(last));
    new BankingGenerator(ctx.files(), 42)
        .writeDay(landing, last, rows, new Defects(0, 0, 0, 0, 0, 0.01, 0, 0, 0));
    RunResult broken = new PipelineRunner(ctx).run(banking, new RunRequest(last, last, Optional.empty()));
    Map<String, String> after = snapshot(spark, warehouse, banking, Partition.day(last));
    new BankingGenerator(ctx.files(), 42).writeDay(landing, last, rows, Defects.NONE);

    boolean cleanOk = clean.exitCode() == ExitCodes.OK;
    boolean blocked =
        broken.exitCode() == ExitCodes.GATE_BLOCKED
            && broken.builds().stream().anyMatch(b -> b.table().equals("stg_account") && b.status() == BuildStatus.BLOCKED);
    // The blocked table and everything downstream of it must be exactly as before; the tables
    // upstream of it legitimately published the new delivery.
    java.util.Set<String> guarded = new java.util.LinkedHashSet<>(List.of("stg_account"));
    guarded.addAll(banking.downstreamOf("stg_account"));
    boolean untouched = guarded.stream().allMatch(t -> before.get(t).equals(after.get(t)));
    // A partition blocked by its gate, and what was not built after it, is never delivered.
    delivered &= broken.deliveries().isEmpty();

    out.printf("%n== Summary%n");
    out.printf("  %-26s  %12s  %-14s  %s%n", "table", "rows " + last, "rules passed", "time (all days)");
    for (TableDefinition t : banking.tablesInOrder()) {
      long passed = 0;
      long total = 0;
      Duration time = Duration.ZERO;
      for (TableBuildResult b : clean.builds()) {
        if (b.table().equals(t.name())) {
          passed += b.gate().results().stream().filter(r -> r.passed()).count();
          total += b.gate().results().size();
          time = time.plus(b.duration());
        }
      }
      out.printf("  %-26s  %12s  %-14s  %.1fs%n", t.name(), before.get(t.name()), passed + "/" + total, time.toMillis() / 1000.0);
    }
    out.printf("  Clean run: %s (exit %d), report %s%n", cleanOk ? "all tables published" : "UNEXPECTED " + clean.status(), clean.exitCode(), clean.reportPath());
    out.printf("  Outputs: %s%n", delivered
        ? "account_summary exported as CSV for each day" + (database.isPresent() ? " and delivered to PostgreSQL (table account_summary)" : "")
            + "; the blocked run delivered nothing"
        : "UNEXPECTED: " + clean.deliveries().size() + " deliveries (expected " + expectedDeliveries + "), failed: " + clean.failedDeliveries());
    out.printf(
        "  Broken run: %s (exit %d), report %s%n",
        blocked ? "stg_account blocked by its gate, downstream not built" : "UNEXPECTED " + broken.status(),
        broken.exitCode(), broken.reportPath());
    out.printf(
        "  %s after the broken run: %s%n",
        String.join(", ", guarded),
        untouched ? "unchanged (same rows, same Delta versions)" : "CHANGED: before " + before + ", after " + after);
    out.printf("  The landing files for %s were restored; demo warehouse: %s (%.0fs)%n", last, warehouse.root(),
        Duration.between(started, Instant.now()).toMillis() / 1000.0);
    if (cleanOk && blocked && untouched && delivered) {
      out.println("Demo finished: everything behaved as designed.");
      return ExitCodes.OK;
    }
    out.println("Demo finished, but something did not behave as designed (see above).");
    return cleanOk ? ExitCodes.BUG : clean.exitCode();
  }

  /** Per table: rows in the partition and the table's Delta version. */
  private static Map<String, String> snapshot(SparkSession spark, Warehouse warehouse, Pipeline pipeline, Partition partition) {
    Map<String, String> state = new LinkedHashMap<>();
    for (TableDefinition t : pipeline.tablesInOrder()) {
      String path = warehouse.tablePath(t.layer(), t.name());
      state.put(
          t.name(),
          DeltaTables.partition(spark, warehouse, t, partition)
              .map(rows -> String.format("%,d v%d", rows.count(), DeltaTables.version(spark, path)))
              .orElse("-"));
    }
    return state;
  }

  /** The repository's scripts folder, beside the conf folder the definitions come from. */
  private java.nio.file.Path scripts() {
    return java.nio.file.Paths.get(common.confDir()).toAbsolutePath().normalize().getParent().resolve("scripts");
  }
}

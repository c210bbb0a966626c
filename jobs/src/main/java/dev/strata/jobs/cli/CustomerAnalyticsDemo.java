package dev.strata.jobs.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.generate.CustomerAnalyticsGenerator;
import dev.strata.jobs.generate.OrdersDatabase;
import dev.strata.jobs.generate.TicketsTopic;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The tour of a pipeline that looks nothing like banking: customer analytics over generated
 * orders, support tickets landed by the hour and marketing events. After a first run over what landed, a
 * landing day whose orders were partly placed days earlier rebuilds exactly those order days and
 * the metrics from the oldest of them on; a redelivery with a status nobody declared is blocked by
 * its gate while the published order day stays as it was; the corrected load then publishes. The
 * orders come from the shop's PostgreSQL database (a landing day at a time), the support tickets
 * from a Kafka topic, the rest from files.
 * Every run is incremental, as a scheduled one would be: it finds what landed by itself.
 */
final class CustomerAnalyticsDemo {
  static final LocalDate FIRST = LocalDate.of(2024, 3, 1);
  private static final String ORDERS = "stg_orders";
  private static final String METRICS = "customer_metrics";

  private final EngineContext ctx;
  private final Pipeline pipeline;
  private final PrintWriter out;
  private final int orders;
  private final int customers;
  private final int days;

  private final Map<String, String> database;
  private final Map<String, String> broker;

  /**
   * @param database the settings of the shop's database (STRATA_JDBC_URL, PGUSER, ...), which the orders go to and are read from
   * @param broker the settings of the Kafka broker (STRATA_KAFKA_BOOTSTRAP_SERVERS, ...) the support tickets go to and are read from
   */
  CustomerAnalyticsDemo(EngineContext ctx, Pipeline pipeline, int orders, int customers, int days, Map<String, String> database,
      Map<String, String> broker) {
    this.database = database;
    this.broker = broker;
    this.ctx = ctx;
    this.pipeline = pipeline;
    this.out = ctx.out();
    this.orders = orders;
    this.customers = customers;
    this.days = days;
  }

  int run() {
    Instant started = Instant.now();
    String landing = ctx.warehouse().root() + "/landing";
    LocalDate last = FIRST.plusDays(days - 1);
    LocalDate next = last.plusDays(1);
    OrdersDatabase shop = GenerateCommand.ordersDatabase(database);
    TicketsTopic tickets = TicketsTopic.of(broker);
    CustomerAnalyticsGenerator generator = new CustomerAnalyticsGenerator(ctx.files(), 42, customers, shop, tickets);

    out.printf("== 1. Generate %d day%s of customer-analytics data (%,d orders a day from %,d customers): orders into the shop's%n"
        + "   database (%s, emptied first), support tickets to the %s, the rest into %s%n", days, days == 1 ? "" : "s", orders,
        customers, shop.describe(), tickets.describe(), landing);
    out.println("   Orders reach the database through the day (loaded_at, their landing day); 1 in 10 were placed 1 to 3 days before,");
    out.println("   1 in 200 five days before. The pipeline reads a landing day of them at a time (format: jdbc).");
    out.println("   Support tickets are events on a Kafka topic, stamped with the minute they were opened: each run first lands what is");
    out.println("   new by the hour it was opened (format: kafka), exactly once. Marketing events carry no date; the campaign list is");
    out.println("   replaced whole.");
    shop.clear();
    tickets.create();
    generator.writeCampaigns(landing);
    for (int d = 0; d < days; d++) {
      var day = generator.writeDay(landing, FIRST.plusDays(d), orders);
      out.printf("   %s  orders %,d  tickets %,d  events %,d%n", day.date(), day.orders(), day.tickets(), day.events());
    }

    out.printf("%n== 2. Run customer_analytics over what landed (each table's own partitions: hours, order days, days)%n");
    RunResult initial = incremental();
    boolean initialOk = initial.exitCode() == ExitCodes.OK;

    long late = 0;
    long tooLate = 0;
    for (int i = 0; i < orders; i++) {
      int age = CustomerAnalyticsGenerator.lateness(i);
      late += age > 0 && age <= 3 ? 1 : 0;
      tooLate += age > 3 ? 1 : 0;
    }
    out.printf("%n== 3. Late data: the orders of %s land; %,d of them were placed 1 to 3 days before, %,d five days before%n", next, late,
        tooLate);
    generator.writeOrders(next, orders, false);
    RunResult absorbed = incremental();
    List<TableBuildResult> orderDays = builds(absorbed, ORDERS);
    List<Partition> expected = List.of(day(next.minusDays(3)), day(next.minusDays(2)), day(next.minusDays(1)), day(next));
    boolean absorbedOk = absorbed.exitCode() == ExitCodes.OK
        && orderDays.stream().map(TableBuildResult::partition).toList().equals(expected)
        && builds(absorbed, METRICS).stream().map(TableBuildResult::partition).toList().equals(expected);
    out.printf("   Order days the new landing day rebuilt, each once (and %s for each):%n", METRICS);
    long quarantinedLate = 0;
    for (TableBuildResult b : orderDays) {
      quarantinedLate += b.counts().quarantinedByRule().getOrDefault("late: beyond lookback of 3d", 0L);
      String note = TableBuildResult.lateRows(b.message()).orElse("no late rows");
      out.printf("     %s  %-9s %,7d rows published  %s%n", b.partition(), b.status(), b.counts().published(), note);
    }
    out.printf("   Placed more than 3 days before they landed: %,d quarantined (late: beyond lookback of 3d), none dropped.%n", quarantinedLate);
    absorbedOk &= quarantinedLate == tooLate;

    out.printf("%n== 4. A broken delivery: the shop loads the orders of %s again, and 1 in 100 of those placed that day has the status%n", next);
    out.println("   'refunded', which the producer never announced and stg_orders' rule does not allow.");
    String before = snapshot(next);
    generator.writeOrders(next, orders, true);
    RunResult broken = incremental();
    String after = snapshot(next);
    boolean blocked = broken.exitCode() == ExitCodes.GATE_BLOCKED
        && builds(broken, ORDERS).stream().anyMatch(b -> b.partition().equals(day(next)) && b.status() == BuildStatus.BLOCKED)
        && builds(broken, METRICS).stream().noneMatch(b -> b.partition().equals(day(next)) && b.status() == BuildStatus.PUBLISHED);
    boolean untouched = before.equals(after);

    out.printf("%n== 5. The shop loads the day again, corrected; the next run reads it again (its change marker moved) and publishes it%n");
    generator.writeOrders(next, orders, false);
    RunResult fixed = incremental();
    boolean fixedOk = fixed.exitCode() == ExitCodes.OK
        && builds(fixed, ORDERS).stream().anyMatch(b -> b.partition().equals(day(next)) && b.status() == BuildStatus.PUBLISHED)
        && builds(fixed, METRICS).stream().anyMatch(b -> b.partition().equals(day(next)) && b.status() == BuildStatus.PUBLISHED);

    out.printf("%n   What the database holds: the orders as the shop loaded them, and the customers at risk as delivered%n");
    DemoDatabase.show(database, "SELECT loaded_at::date AS landed, count(*) AS orders, max(updated_at) AS loaded FROM "
        + OrdersDatabase.TABLE + " GROUP BY 1 ORDER BY 1", out);
    DemoDatabase.show(database, "SELECT as_of_date, count(*) AS customers_at_risk FROM at_risk_customers GROUP BY 1 ORDER BY 1", out);
    Map<String, Long> alerts = tickets.committedByKey(TicketsTopic.ALERTS);
    out.printf("%n   What the %s topic received: %,d event%s for %,d customer%s at risk (a row of a day's customers at risk each;%n"
        + "   a day rebuilt sends only the rows its last delivery did not have)%n", TicketsTopic.ALERTS, alerts.values().stream().mapToLong(Long::longValue).sum(),
        alerts.values().stream().mapToLong(Long::longValue).sum() == 1 ? "" : "s", alerts.size(), alerts.size() == 1 ? "" : "s");

    out.printf("%n== Summary%n");
    out.printf("  First run: %s (exit %d), report %s%n", initialOk ? "every table published" : "UNEXPECTED " + initial.status(),
        initial.exitCode(), initial.reportPath());
    out.printf("  Late data: %s (exit %d), report %s%n",
        absorbedOk ? "the 4 order days its rows touch and their metrics rebuilt once each, " + quarantinedLate + " row"
            + (quarantinedLate == 1 ? "" : "s") + " beyond the lookback quarantined"
            : "UNEXPECTED " + absorbed.status(), absorbed.exitCode(), absorbed.reportPath());
    out.printf("  Broken delivery: %s (exit %d), report %s%n",
        blocked ? ORDERS + " " + next + " blocked by its gate, " + METRICS + " " + next + " not built" : "UNEXPECTED " + broken.status(),
        broken.exitCode(), broken.reportPath());
    out.printf("  %s and %s for %s after the broken delivery: %s%n", ORDERS, METRICS, next,
        untouched ? "unchanged (" + after + ")" : "CHANGED: before " + before + ", after " + after);
    out.printf("  Corrected load: %s (exit %d)%n", fixedOk ? ORDERS + " and " + METRICS + " for " + next + " published" : "UNEXPECTED "
        + fixed.status(), fixed.exitCode());
    out.printf("  See it: scripts/strata status customer_analytics --warehouse %s (demo warehouse, %.0fs)%n", ctx.warehouse().root(),
        Duration.between(started, Instant.now()).toMillis() / 1000.0);
    if (initialOk && absorbedOk && blocked && untouched && fixedOk) {
      out.println("Demo finished: everything behaved as designed.");
      return ExitCodes.OK;
    }
    out.println("Demo finished, but something did not behave as designed (see above).");
    return initialOk ? ExitCodes.BUG : initial.exitCode();
  }

  /** A run of what is out of date, as `strata run customer_analytics` without dates. */
  private RunResult incremental() {
    PipelineRunner runner = new PipelineRunner(ctx);
    RunRequest base = new RunRequest(List.of(day(LocalDate.EPOCH)), Optional.empty(), Set.of(), "demo");
    RunRequest request = runner.incrementalRequest(pipeline, base, false, false);
    if (request == null) {
      throw new IllegalStateException("the demo landed files, but the incremental run found nothing out of date");
    }
    return runner.run(pipeline, request);
  }

  private static List<TableBuildResult> builds(RunResult run, String table) {
    return run.builds().stream().filter(b -> b.table().equals(table)).sorted(java.util.Comparator.comparing(TableBuildResult::partition))
        .toList();
  }

  private static Partition day(LocalDate date) {
    return Partition.day(date);
  }

  /** The rows of one order day and of the metrics as of it, with a fingerprint of their content. */
  private String snapshot(LocalDate date) {
    StringBuilder s = new StringBuilder();
    for (String name : List.of(ORDERS, METRICS)) {
      TableDefinition t = pipeline.table(name);
      Optional<Dataset<Row>> rows = DeltaTables.partition(ctx.spark(), ctx.warehouse(), t, day(date));
      s.append(s.length() == 0 ? "" : "; ").append(name).append(' ');
      if (rows.isEmpty()) {
        s.append('-');
        continue;
      }
      Column[] all = Arrays.stream(rows.get().columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
      Row r = rows.get().agg(count(lit(1)), sum(xxhash64(all).cast("decimal(38,0)"))).first();
      s.append(String.format("%,d rows, fingerprint %s", r.getLong(0), r.isNullAt(1) ? "-" : Long.toHexString(r.getDecimal(1).longValue())));
    }
    return s.toString();
  }
}

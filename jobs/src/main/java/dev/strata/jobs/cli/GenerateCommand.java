package dev.strata.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.strata.jobs.Errors;
import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "generate",
    description = {
      "Write deterministic landing files, one folder per day, optionally with defects at exact rates,",
      "and a manifest of what was written (_generator.json): banking (customers, accounts), or with",
      "--pipeline customer_analytics its orders (some landing late) into the shop's PostgreSQL database",
      "(STRATA_JDBC_URL or PGHOST..., PGUSER, PGPASSWORD, from the environment or --env-file), support",
      "tickets to the support_tickets topic of a Kafka broker (STRATA_KAFKA_BOOTSTRAP_SERVERS), marketing",
      "events and campaigns."
    })
final class GenerateCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR", description = "Landing folder. Default: <warehouse>/landing.")
  String out;

  @Option(names = "--pipeline", defaultValue = "banking", paramLabel = "NAME",
      description = "Whose landing files: banking (default) or customer_analytics.")
  String pipeline;

  @Option(names = "--customers", defaultValue = "500", description = "customer_analytics: customers who order (default ${DEFAULT-VALUE}).")
  int customers;

  @Option(names = "--rows", defaultValue = "1000", description = "Customers per day (default ${DEFAULT-VALUE}); accounts are about 4/3 of that.")
  int rows;

  @Option(names = "--days", defaultValue = "1", description = "Number of days (default ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--start", defaultValue = "2024-01-01", paramLabel = "YYYY-MM-DD", description = "First day (default ${DEFAULT-VALUE}).")
  String start;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--null-key-rate", defaultValue = "0", description = "Customers with no customer_id.")
  double nullKey;

  @Option(names = "--null-name-rate", defaultValue = "0", description = "Customers with no customer_name.")
  double nullName;

  @Option(names = "--bad-flag-rate", defaultValue = "0", description = "Customers whose has_loan is no flag spelling.")
  double badFlag;

  @Option(names = "--flag-spelling-rate", defaultValue = "0", description = "Customers whose has_loan uses another valid spelling.")
  double flagSpellings;

  @Option(names = "--update-rate", defaultValue = "0", description = "Customers sent twice, the later row updated.")
  double updates;

  @Option(names = "--duplicate-key-rate", defaultValue = "0", description = "Accounts sent twice with the same account_id.")
  double duplicateKey;

  @Option(names = "--bad-number-rate", defaultValue = "0", description = "Accounts whose balance does not parse.")
  double badNumber;

  @Option(names = "--orphan-rate", defaultValue = "0", description = "Accounts of an unknown customer.")
  double orphan;

  @Option(names = "--out-of-range-rate", defaultValue = "0", description = "Accounts with a negative balance.")
  double outOfRange;

  @Override
  public Integer call() throws Exception {
    Errors.check(rows > 0 && rows <= 500_000_000, "Cannot generate: --rows must be between 1 and 500000000, got %d.", rows);
    Errors.check(days > 0 && days <= 3660, "Cannot generate: --days must be between 1 and 3660, got %d.", days);
    LocalDate first = Dates.parse("--start", start);
    Errors.check(pipeline.equals("banking") || pipeline.equals("customer_analytics"),
        "Cannot generate: --pipeline '%s' has no generator; use banking or customer_analytics.", pipeline);
    if (pipeline.equals("customer_analytics")) {
      return customerAnalytics(first);
    }
    Defects defects;
    try {
      defects = new Defects(nullKey, nullName, badFlag, flagSpellings, updates, duplicateKey, badNumber, orphan, outOfRange);
    } catch (IllegalArgumentException e) {
      throw new dev.strata.api.StrataException.InvalidException("Cannot generate: " + e.getMessage() + ".", null);
    }
    Warehouse warehouse = Warehouse.at(common.warehouse());
    String target = out != null ? Warehouse.at(out).root() : warehouse.root() + "/landing";
    HadoopFiles files = new HadoopFiles(common.hadoopConfiguration());
    var printer = spec.commandLine().getOut();
    List<BankingGenerator.DayCounts> written = write(files, target, first, days, rows, seed, defects, printer);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("seed", seed);
    manifest.put("customers_per_day", rows);
    manifest.put("defects", defects);
    List<Map<String, Object>> perDay = new ArrayList<>();
    for (BankingGenerator.DayCounts day : written) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("date", day.date().toString());
      d.put("customer_rows", day.customerRows());
      d.put("account_rows", day.accountRows());
      d.put("defects", day.defects());
      perDay.add(d);
    }
    manifest.put("days", perDay);
    files.writeText(
        target + "/_generator.json",
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(manifest));
    printer.printf("Wrote %d day(s) to %s (manifest: %s/_generator.json)%n", days, target, target);
    return ExitCodes.OK;
  }

  /** The customer-analytics data: the campaign list, then each day's orders (into the database), tickets and events. */
  private int customerAnalytics(LocalDate first) throws Exception {
    Errors.check(customers > 0 && customers <= 100_000_000, "Cannot generate: --customers must be between 1 and 100000000, got %d.", customers);
    Warehouse warehouse = Warehouse.at(common.warehouse());
    String target = out != null ? Warehouse.at(out).root() : warehouse.root() + "/landing";
    HadoopFiles files = new HadoopFiles(common.hadoopConfiguration());
    var printer = spec.commandLine().getOut();
    var database = ordersDatabase(common.environment());
    printer.printf("Orders go to the shop's database: %s%n", database.describe());
    var tickets = ticketsTopic(common.environment());
    printer.printf("Support tickets go to %s%n", tickets.describe());
    tickets.create();
    var generator = new dev.strata.jobs.generate.CustomerAnalyticsGenerator(files, seed, customers, database, tickets);
    generator.writeCampaigns(target);
    List<Map<String, Object>> perDay = new ArrayList<>();
    for (int d = 0; d < days; d++) {
      var day = generator.writeDay(target, first.plusDays(d), rows);
      printer.printf("%s  orders %,d rows  tickets %,d  events %,d  defects %s%n", day.date(), day.orders(), day.tickets(), day.events(),
          day.defects());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("date", day.date().toString());
      m.put("order_rows", day.orders());
      m.put("ticket_rows", day.tickets());
      m.put("event_rows", day.events());
      m.put("defects", day.defects());
      perDay.add(m);
    }
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("pipeline", pipeline);
    manifest.put("seed", seed);
    manifest.put("orders_per_day", rows);
    manifest.put("customers", customers);
    manifest.put("days", perDay);
    files.writeText(target + "/_generator.json", new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(manifest));
    printer.printf("Wrote %d day(s) to %s (manifest: %s/_generator.json)%n", days, target, target);
    return ExitCodes.OK;
  }

  /**
   * The database customer analytics reads its orders from, as the environment (or --env-file)
   * names it: STRATA_JDBC_URL or PGHOST..., PGUSER, PGPASSWORD.
   *
   * @throws dev.strata.api.StrataException.InvalidException (exit 2) if it names none
   */
  static dev.strata.jobs.generate.OrdersDatabase ordersDatabase(Map<String, String> env) {
    try {
      return new dev.strata.jobs.generate.OrdersDatabase(
          dev.strata.jobs.io.Jdbc.of(dev.strata.api.Options.of(Map.of()), env, null));
    } catch (IllegalArgumentException e) {
      throw new dev.strata.api.StrataException.InvalidException("Cannot generate customer_analytics: its orders come from the shop's"
          + " PostgreSQL database, and " + e.getMessage() + ". For a local one: scripts/postgres-local start, then"
          + " scripts/postgres-local env > pg.env and pass --env-file pg.env.", e);
    }
  }

  /**
   * The topic customer analytics reads its support tickets from, on the broker the environment (or
   * --env-file) names: STRATA_KAFKA_BOOTSTRAP_SERVERS.
   *
   * @throws dev.strata.api.StrataException.InvalidException (exit 2) if it names none
   */
  static dev.strata.jobs.generate.TicketsTopic ticketsTopic(Map<String, String> env) {
    String bootstrap = env.get(dev.strata.jobs.stream.KafkaPull.BOOTSTRAP_ENV);
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new dev.strata.api.StrataException.InvalidException("Cannot generate customer_analytics: its support tickets go to a Kafka"
          + " topic, and " + dev.strata.jobs.stream.KafkaPull.BOOTSTRAP_ENV + " names no broker. For a local one: scripts/kafka-local"
          + " start, then eval \"$(scripts/kafka-local env)\" (or add its line to the --env-file).");
    }
    return dev.strata.jobs.generate.TicketsTopic.of(env);
  }

  /** Writes the days, printing each date as it is written. */
  static List<BankingGenerator.DayCounts> write(
      HadoopFiles files, String target, LocalDate first, int days, int rows, long seed, Defects defects, java.io.PrintWriter printer) {
    BankingGenerator generator = new BankingGenerator(files, seed);
    List<BankingGenerator.DayCounts> written = new ArrayList<>();
    for (int d = 0; d < days; d++) {
      LocalDate date = first.plusDays(d);
      BankingGenerator.DayCounts counts = generator.writeDay(target, date, rows, defects);
      written.add(counts);
      printer.printf(
          "%s  customers %,d rows  accounts %,d rows%s%n",
          date, counts.customerRows(), counts.accountRows(),
          counts.defects().isEmpty() ? "" : "  defects " + counts.defects());
    }
    return written;
  }
}

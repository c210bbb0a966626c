package dev.strata.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.strata.api.Partition;
import dev.strata.api.Sink;
import dev.strata.jobs.output.FilesSink;
import dev.strata.jobs.output.PostgresSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Scenario "outputs": delivering one published partition of {@code --output-rows} rows (default 1M)
 * through Strata's outputs against the plain Spark write of the same rows: to PostgreSQL (a
 * transaction that deletes the partition and COPYs the rows in, against Spark's JDBC writer
 * overwriting a table), and to CSV files (written beside the target and moved into place, with a
 * marker, against a plain overwrite). The database is a real one, started with
 * scripts/postgres-local in a folder of the scenario's own.
 */
final class OutputsCost implements Scenario {
  private static final LocalDate DAY = LocalDate.of(2024, 1, 1);

  @Override
  public String name() {
    return "outputs";
  }

  @Override
  public Outcome run(SparkSession spark, Path work, Options options) throws IOException {
    int rows = options.outputRows();
    Map<String, String> db = postgres(work, options);
    Path table = work.resolve("delta/payments");
    // The published partition: typed columns of each kind a mart has, written once as Delta.
    spark.range(rows).select(
            concat(lit("P"), col("id").cast("string")).as("id"),
            expr("CAST(id % 100000 AS DECIMAL(18,2)) / 100").cast("decimal(18,2)").as("amount"),
            expr("date_add(DATE'2023-01-01', CAST(id % 365 AS INT))").as("paid_on"),
            expr("CAST(TIMESTAMP'2024-01-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, id % 86400) AS TIMESTAMP)").as("paid_at"),
            expr("CASE WHEN id % 10 = 0 THEN NULL ELSE concat('note ', id % 977) END").as("note"),
            lit(java.sql.Date.valueOf(DAY)).as("as_of_date"))
        .write().format("delta").mode(SaveMode.Overwrite).partitionBy("as_of_date").save(table.toString());
    Dataset<Row> published = spark.read().format("delta").load(table.toString()).where(col("as_of_date").equalTo(lit(java.sql.Date.valueOf(DAY))));
    Sink.Delivery delivery = new Sink.Delivery("payments", Partition.day(DAY), "as_of_date", published, 0, "bench", work.toString(), db,
        work.toString());
    dev.strata.api.Options postgresOptions = dev.strata.api.Options.of(Map.of("table", "payments_strata"));
    dev.strata.api.Options filesOptions = dev.strata.api.Options.of(Map.of("path", work.resolve("exports/strata/{date}").toString()));
    String plainFiles = work.resolve("exports/plain/" + DAY).toString();

    Map<String, List<Double>> times = new LinkedHashMap<>();
    for (int i = -1; i < options.repeats(); i++) { // i = -1: warm-up, not counted
      Map<String, Double> round = new LinkedHashMap<>();
      round.put("postgres plain", seconds(() -> published.write().format("jdbc").mode(SaveMode.Overwrite).option("truncate", "true")
          .option("url", db.get("STRATA_JDBC_URL")).option("dbtable", "payments_plain").option("user", db.get("PGUSER"))
          .option("password", db.get("PGPASSWORD")).save()));
      round.put("postgres strata", seconds(() -> check(new PostgresSink().deliver(delivery, postgresOptions), rows)));
      round.put("files plain", seconds(() -> published.write().mode(SaveMode.Overwrite).option("header", "true").csv(plainFiles)));
      round.put("files strata", seconds(() -> check(new FilesSink().deliver(delivery, filesOptions), rows)));
      System.out.printf(Locale.ROOT, "outputs: round %d: %s%n", i, round);
      if (i >= 0) {
        round.forEach((k, v) -> times.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
      }
    }
    checkCount(db, "payments_strata", rows);
    checkCount(db, "payments_plain", rows);
    List<Comparison> comparisons = List.of(
        new Comparison(name(), String.format(Locale.ROOT, "outputs: a partition of %,d rows to PostgreSQL vs Spark's JDBC write", rows), rows,
            times.get("postgres plain"), times.get("postgres strata"), Comparison.Kind.COST, 1.2),
        new Comparison(name(), String.format(Locale.ROOT, "outputs: a partition of %,d rows to CSV files vs a plain CSV write", rows), rows,
            times.get("files plain"), times.get("files strata"), Comparison.Kind.COST, 1.1));
    return new Outcome(comparisons, notes(rows, options.repeats()));
  }

  private static void check(Sink.Receipt receipt, long rows) {
    if (receipt.rows() != rows) {
      throw new IllegalStateException("bench: outputs delivered " + receipt.rows() + " rows, expected " + rows);
    }
  }

  private static void checkCount(Map<String, String> db, String table, long rows) {
    try (Connection c = DriverManager.getConnection(db.get("STRATA_JDBC_URL"), db.get("PGUSER"), db.get("PGPASSWORD"));
        Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
      r.next();
      if (r.getLong(1) != rows) {
        throw new IllegalStateException("bench: " + table + " holds " + r.getLong(1) + " rows, expected " + rows);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double seconds(Runnable action) {
    long start = System.nanoTime();
    action.run();
    return (System.nanoTime() - start) / 1e9;
  }

  /** A server of the scenario's own, from scripts/postgres-local; its settings. */
  private static Map<String, String> postgres(Path work, Options options) throws IOException {
    Path script = options.conf().getParent().resolve("scripts/postgres-local");
    Path state = Path.of(System.getProperty("java.io.tmpdir"), "strata-postgres-bench");
    Files.createDirectories(work);
    String out = exec(List.of(script.toString(), "start"), state) + "\n" + exec(List.of(script.toString(), "env"), state);
    Map<String, String> env = new LinkedHashMap<>();
    out.lines().filter(l -> l.startsWith("export ")).forEach(l -> {
      String kv = l.substring("export ".length());
      env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    });
    if (!env.containsKey("STRATA_JDBC_URL")) {
      throw new IllegalStateException("bench: scripts/postgres-local gave no database (is Debian's postgresql installed?): " + out);
    }
    return Map.copyOf(env);
  }

  private static String exec(List<String> command, Path state) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("STRATA_POSTGRES_DIR", state.toString());
    Process p = pb.start();
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("bench: " + command + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String notes(int rows, int repeats) {
    return String.format(Locale.ROOT, """
        One published partition of %,d rows (text, decimal(18,2), date, timestamp, a text with nulls;
        a Delta table) delivered again and again, each side in turn, median of %d after a warm-up.
        PostgreSQL: Strata's `postgres` output (one transaction: an advisory lock, the table's
        columns looked up, the partition's rows deleted, the new ones streamed from Spark through
        the driver into one `COPY`) against Spark's JDBC writer (`mode(Overwrite)` with `truncate`:
        batched INSERTs from each task, one transaction per task, no atomicity across them). Files:
        Strata's `files` output (CSV with a header, written beside the target, the marker checked,
        moved into place) against `write.csv` overwriting the folder. The database is a local
        PostgreSQL 15 (scripts/postgres-local, fsync off), on the same two cores as Spark.
        """, rows, repeats);
  }
}

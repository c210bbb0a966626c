package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.PostgresLocal;
import dev.strata.jobs.testing.StrataProcess;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs after the gate, against a real PostgreSQL (scripts/postgres-local) and real files: each
 * published partition replaces its rows in the database in one transaction and its folder of
 * files, exactly once however often it is delivered; a blocked partition is never delivered; a
 * database that is down fails the delivery (after its retries), never the table, and {@code
 * --resume} delivers it; a wrong password says so without the password.
 */
@IntegrationTest
class OutputsTest {
  @TempDir Path dir;

  /** The table delivered: typed rows of each kind the database must keep exactly. */
  private Path pipeline(String table, String retry) {
    return TinyPipeline.define(dir, "deliver", """
        pipeline: deliver
        sources:
          payments:
            path: landing/payments/{date}
            schema:
              id: string
              amount: string
              paid_on: string
              paid_at: string
              note: string
              as_of_date: string
        tables:
          payments_raw:
            layer: bronze
            inputs: [payments]
            sql: payments_raw.sql
          payments_clean:
            layer: silver
            inputs: [payments_raw]
            key: [id]
        %s
            sql: payments_clean.sql
            rules:
              error:
                - ColumnValues "amount" >= 0
            outputs:
              - name: db
                sink: postgres
                options: {table: %s}
              - name: export
                sink: files
                options: {path: "exports/payments/{date}", files: "1"}
        """.formatted(retry, table),
        "payments_raw.sql", "SELECT * FROM payments",
        "payments_clean.sql", """
            SELECT id, CAST(amount AS DECIMAL(18,2)) AS amount, CAST(paid_on AS DATE) AS paid_on,
                   CAST(paid_at AS TIMESTAMP) AS paid_at, CASE WHEN note = 'EMPTY' THEN '' ELSE note END AS note,
                   CAST(as_of_date AS DATE) AS as_of_date
            FROM payments_raw""");
  }

  private Path wh() {
    return dir.resolve("wh");
  }

  private void land(String day, String... rows) throws IOException {
    Path folder = wh().resolve("landing/payments/" + day);
    Files.createDirectories(folder);
    StringBuilder csv = new StringBuilder("id,amount,paid_on,paid_at,note,as_of_date\n");
    for (String r : rows) {
      csv.append(r).append(',').append(day).append('\n');
    }
    Files.writeString(folder.resolve("payments.csv"), csv);
  }

  private Cli.Outcome run(Path pipeline, Path env, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("run", pipeline.toString(), "--warehouse", wh().toString(), "--env-file",
        env.toString()));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  private static String runId(Cli.Outcome outcome) {
    Matcher m = Pattern.compile("Run (\\S+): pipeline").matcher(outcome.out());
    assertThat(m.find()).as(outcome.toString()).isTrue();
    return m.group(1);
  }

  private List<Row> deliveries(String runId) {
    return new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString())).read("deliveries").orElseThrow()
        .where("run_id = '" + runId + "'").orderBy("output", "attempt").collectAsList();
  }

  /** The exported rows of a day, from its CSV files, and whether the folder has its _SUCCESS marker. */
  private List<String> exported(String day) throws IOException {
    Path folder = wh().resolve("exports/payments/" + day);
    assertThat(folder.resolve("_SUCCESS")).exists();
    try (Stream<Path> files = Files.list(folder)) {
      assertThat(files.filter(f -> f.getFileName().toString().endsWith(".csv"))).hasSize(1);
    }
    return SparkTestSession.get().read().option("header", "true").csv(folder.toString()).orderBy("id")
        .selectExpr("concat_ws('|', id, amount, paid_on)").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }

  @Test
  void aPartitionDeliveredAgainAndAgainIsThereOnceWithItsTypesAndABlockedOneIsNeverDelivered() throws IOException {
    PostgresLocal db = PostgresLocal.shared();
    String table = "payments_" + Long.toHexString(System.nanoTime());
    Path pipeline = pipeline(table, "");
    Path env = db.envFile(dir.resolve("env"));
    land("2024-01-01", "p1,10.25,2024-01-01,2024-01-01 09:30:00,\"a note, with \"\"quotes\"\"\"", "p2,0.00,2023-12-31,2024-01-01 23:59:59,",
        "p3,12345678901234.56,2024-01-01,2024-01-01 00:00:00,EMPTY");
    land("2024-01-02", "p4,1.00,2024-01-02,2024-01-02 12:00:00,x");

    Cli.Outcome first = run(pipeline, env, "--from", "2024-01-01", "--to", "2024-01-02");
    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(first.out()).containsPattern("2024-01-01  output  payments_clean\\.db +DELIVERED +3  postgres")
        .containsPattern("2024-01-01  output  payments_clean\\.export +DELIVERED +3  files");
    // Twice more: the same rows, never a second copy.
    for (int i = 0; i < 2; i++) {
      Cli.Outcome again = run(pipeline, env, "--date", "2024-01-01");
      assertThat(again.exit()).as(again.toString()).isZero();
    }
    // Every value as the Delta table holds it: decimals exact, dates, instants, a null and an empty text apart.
    List<String> published = SparkTestSession.get().read().format("delta").load(wh().resolve("silver/payments_clean").toString())
        .orderBy("id").selectExpr("concat_ws('|', id, CAST(amount AS STRING), CAST(paid_on AS STRING),"
            + " date_format(paid_at, 'yyyy-MM-dd HH:mm:ss'), coalesce(note, 'null'))").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
    assertThat(db.rows("SELECT id, amount, paid_on, to_char(paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), note FROM " + table
        + " ORDER BY id")).containsExactlyElementsOf(published).hasSize(4);
    assertThat(published.subList(1, 4)).containsExactly(
        "p2|0.00|2023-12-31|2024-01-01 23:59:59|null",
        "p3|12345678901234.56|2024-01-01|2024-01-01 00:00:00|",
        "p4|1.00|2024-01-02|2024-01-02 12:00:00|x");
    assertThat(published.get(0)).startsWith("p1|10.25|2024-01-01|2024-01-01 09:30:00|").contains("quotes");
    // The table was created from the Delta schema, with explicit types.
    assertThat(db.rows("SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_name = '"
        + table + "' ORDER BY ordinal_position")).containsExactly(
        "id|text|null|null", "amount|numeric|18|2", "paid_on|date|null|null", "paid_at|timestamp with time zone|null|null",
        "note|text|null|null", "as_of_date|date|null|null");
    assertThat(exported("2024-01-01")).containsExactly("p1|10.25|2024-01-01", "p2|0.00|2023-12-31", "p3|12345678901234.56|2024-01-01");

    // The day lands again, smaller: its rows are replaced, the other day's untouched.
    land("2024-01-01", "p1,11.00,2024-01-01,2024-01-01 09:30:00,changed");
    Cli.Outcome replaced = run(pipeline, env, "--date", "2024-01-01");
    assertThat(replaced.exit()).as(replaced.toString()).isZero();
    assertThat(db.rows("SELECT id, amount FROM " + table + " ORDER BY id")).containsExactly("p1|11.00", "p4|1.00");
    assertThat(exported("2024-01-01")).containsExactly("p1|11.00|2024-01-01");

    // A day blocked by its gate: delivered nowhere, the delivered rows of the day before stay.
    land("2024-01-01", "p1,-5.00,2024-01-01,2024-01-01 09:30:00,negative");
    Cli.Outcome blocked = run(pipeline, env, "--date", "2024-01-01");
    assertThat(blocked.exit()).as(blocked.toString()).isEqualTo(3);
    assertThat(blocked.out()).doesNotContain("  output  ");
    assertThat(deliveries(runId(blocked))).isEmpty();
    assertThat(db.rows("SELECT id, amount FROM " + table + " ORDER BY id")).containsExactly("p1|11.00", "p4|1.00");
    assertThat(exported("2024-01-01")).containsExactly("p1|11.00|2024-01-01");

    // Status: per output, what was last delivered and when.
    Cli.Outcome status = Cli.run("status", pipeline.toString(), "--warehouse", wh().toString());
    assertThat(status.out()).containsPattern("output db \\(postgres\\): last delivered 2024-01-0[12] at .*, 1 rows, v\\d+, to postgres 127\\.0\\.0\\.1:\\d+/strata " + table)
        .contains("output export (files): last delivered");
  }

  @Test
  void aDeliveryKilledBetweenTheDeleteAndTheCopyLeavesThePreviousRows() throws Exception {
    PostgresLocal db = PostgresLocal.shared();
    String table = "payments_" + Long.toHexString(System.nanoTime());
    Path pipeline = pipeline(table, "");
    Path env = db.envFile(dir.resolve("env"));
    land("2024-01-01", "p1,1.00,2024-01-01,2024-01-01 09:30:00,first");
    Cli.Outcome first = run(pipeline, env, "--date", "2024-01-01");
    assertThat(first.exit()).as(first.toString()).isZero();

    land("2024-01-01", "p1,2.00,2024-01-01,2024-01-01 09:30:00,second", "p2,3.00,2024-01-01,2024-01-01 10:00:00,second");
    StrataProcess p = StrataProcess.start(dir.resolve("logs"), "killed", "pause:payments_clean:output-copy:120000",
        "run", pipeline.toString(), "--date", "2024-01-01", "--warehouse", wh().toString(), "--env-file", env.toString());
    p.awaitOutput("strata-fault: paused payments_clean", Duration.ofMinutes(3));
    // The delete has run in the delivery's transaction, not committed: readers still see the old rows.
    assertThat(db.rows("SELECT id, amount, note FROM " + table + " ORDER BY id")).containsExactly("p1|1.00|first");
    p.kill();
    assertThat(db.rows("SELECT id, amount, note FROM " + table + " ORDER BY id")).containsExactly("p1|1.00|first");

    // The next run delivers the new rows, once.
    Cli.Outcome next = run(pipeline, env, "--date", "2024-01-01");
    assertThat(next.exit()).as(next.toString()).isZero();
    assertThat(db.rows("SELECT id, amount, note FROM " + table + " ORDER BY id")).containsExactly("p1|2.00|second", "p2|3.00|second");
  }

  @Test
  void aDatabaseThatIsDownFailsTheDeliveryNotTheTableAndResumeDeliversIt() throws IOException {
    PostgresLocal db = PostgresLocal.own();
    try {
      String table = "payments_down";
      Path pipeline = pipeline(table, "    retry: {max_attempts: 2, first_delay: 1s}");
      Path env = db.envFile(dir.resolve("env"));
      land("2024-01-01", "p1,1.00,2024-01-01,2024-01-01 09:30:00,x");
      db.stop();

      Cli.Outcome down = run(pipeline, env, "--date", "2024-01-01");

      assertThat(down.exit()).as(down.toString()).isEqualTo(4);
      String runId = runId(down);
      assertThat(down.out()).containsPattern("2024-01-01  silver  payments_clean +PUBLISHED")
          .containsPattern("2024-01-01  output  payments_clean\\.db +FAILED")
          .contains("payments_clean 2024-01-01 published, but not delivered to output 'db' (postgres)")
          .contains("--resume " + runId);
      // Refused connections are transient: tried twice, each attempt in the ledger; the files were delivered.
      List<Row> recorded = deliveries(runId);
      assertThat(recorded.stream().filter(r -> r.getAs("output").equals("db")).map(r -> r.<Integer>getAs("attempt") + " " + r.getAs("status")))
          .containsExactly("1 FAILED", "2 FAILED");
      assertThat(recorded.stream().filter(r -> r.getAs("output").equals("export")).map(r -> (String) r.getAs("status"))).containsExactly("DELIVERED");
      assertThat(SparkTestSession.get().read().format("delta").load(wh().resolve("silver/payments_clean").toString()).count()).isEqualTo(1);
      // The run's HTML report says, under the table, what each output received and what failed.
      Path html = dir.resolve("report.html");
      Cli.Outcome report = Cli.run("report", runId, "--warehouse", wh().toString(), "--html", html.toString(), "--pipeline", pipeline.toString());
      assertThat(report.exit()).as(report.toString()).isZero();
      String page = java.nio.file.Files.readString(html);
      assertThat(page.substring(page.indexOf("<h3>Delivered to its outputs</h3>")))
          .containsPattern("<td>db \\(postgres\\)</td><td><span class=\"pill\"[^>]*>FAILED</span>")
          .containsPattern("<td>export \\(files\\)</td><td><span class=\"pill\"[^>]*>DELIVERED</span></td><td class=\"num\">1</td>");

      db = PostgresLocal.start(db.state());
      Cli.Outcome resumed = run(pipeline, env, "--resume", runId);

      assertThat(resumed.exit()).as(resumed.toString()).isZero();
      assertThat(resumed.out()).contains("1 delivery to make again (payments_clean 2024-01-01 to db)")
          .containsPattern("2024-01-01  output  payments_clean\\.db +DELIVERED +1  postgres")
          .doesNotContain("  silver  payments_clean");
      assertThat(db.rows("SELECT id FROM " + table)).containsExactly("p1");
      Cli.Outcome status = Cli.run("status", pipeline.toString(), "--warehouse", wh().toString());
      assertThat(status.out()).contains("output db (postgres): last delivered 2024-01-01").doesNotContain("FAILED at");
    } finally {
      db.destroy();
    }
  }

  @Test
  void aWrongPasswordIsNamedWithoutThePassword() throws IOException {
    PostgresLocal db = PostgresLocal.shared();
    Path pipeline = pipeline("payments_secret", "");
    String secret = "wrong-" + Long.toHexString(System.nanoTime()) + "-secret";
    Path env = dir.resolve("wrong.env");
    Files.writeString(env, Files.readString(db.envFile(dir.resolve("env"))).replaceAll("PGPASSWORD=.*", "PGPASSWORD=" + secret));
    land("2024-01-01", "p1,1.00,2024-01-01,2024-01-01 09:30:00,x");

    Cli.Outcome wrong = run(pipeline, env, "--date", "2024-01-01");

    assertThat(wrong.exit()).as(wrong.toString()).isEqualTo(4);
    assertThat(wrong.out()).contains("password authentication failed for user \"strata\"");
    // Not transient: one attempt.
    assertThat(deliveries(runId(wrong)).stream().filter(r -> r.getAs("output").equals("db")).count()).isEqualTo(1);
    String everything = wrong.out() + wrong.err() + Files.readString(Path.of(java.net.URI.create(reportOf(wrong))))
        + new Ledger(SparkTestSession.get(), Warehouse.at(wh().toString())).read("deliveries").orElseThrow().collectAsList();
    assertThat(everything).doesNotContain(secret).doesNotContain(db.env().get("PGPASSWORD"));
  }

  @Test
  void definitionsThatCannotDeliverAreRejectedBeforeAnything() {
    Path pipeline = pipeline("payments_v", "");
    Path yaml = pipeline.resolve("pipeline.yaml");
    try {
      Files.writeString(yaml, Files.readString(yaml).replace("exports/payments/{date}", "exports/payments")
          .replace("{table: payments_v}", "{table: payments_v, url: \"jdbc:postgresql://h/db?password=x\"}"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Cli.Outcome invalid = Cli.run("validate", pipeline.toString());
    assertThat(invalid.exit()).as(invalid.toString()).isEqualTo(2);
    assertThat(invalid.err())
        .contains("tables.payments_clean.outputs[0].options: url: put no credentials in the URL")
        .contains("tables.payments_clean.outputs[1].options.path: 'exports/payments' must name each day of payments_clean");
  }

  private static String reportOf(Cli.Outcome outcome) {
    Matcher m = Pattern.compile("Quality report: (\\S+)").matcher(outcome.out());
    assertThat(m.find()).as(outcome.toString()).isTrue();
    return m.group(1);
  }
}

package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.PostgresLocal;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source read from a real PostgreSQL table (format: jdbc), a day at a time, in parallel queries:
 * bronze holds exactly the database's rows of each day; an incremental run reads again only the
 * days whose change marker moved, and new days; an SQL error fails the build naming the database
 * and the statement, never the password.
 */
@IntegrationTest
class JdbcSourceTest {
  @TempDir Path dir;

  private Path pipeline(String table) {
    return pipeline(table, "");
  }

  /** @param tableSettings more settings of the bronze table, each line indented by 4 spaces */
  private Path pipeline(String table, String tableSettings) {
    return define("""
        table: %s
        partition_by: placed_at
        split_column: order_id
        num_partitions: "3"
        change_marker: max(updated_at)""".formatted(table), tableSettings);
  }

  /**
   * Pipeline fromdb: source orders_db (jdbc, these options) and its bronze table orders_raw.
   *
   * @param options the source's options, one per line, unindented
   * @param files more files beside the definition: pairs of name and content
   */
  private Path define(String options, String tableSettings, String... files) {
    String yaml = """
        pipeline: fromdb
        sources:
          orders_db:
            format: jdbc
            options:
        %s
            schema:
              order_id: string
              customer_id: string
              placed_at: timestamp
              amount: decimal(12,2)
        tables:
          orders_raw:
            layer: bronze
            inputs: [orders_db]
            sql: orders_raw.sql
        %s
        """.formatted(options.lines().map(l -> "      " + l).collect(java.util.stream.Collectors.joining("\n")), tableSettings);
    List<String> all = new java.util.ArrayList<>(List.of("orders_raw.sql", "SELECT * FROM orders_db"));
    all.addAll(List.of(files));
    return TinyPipeline.define(dir, "fromdb", yaml, all.toArray(String[]::new));
  }

  private Cli.Outcome run(Path pipeline, Path env, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("run", pipeline.toString(), "--warehouse", dir.resolve("wh").toString(),
        "--env-file", env.toString()));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  private List<String> bronze(String day) {
    return SparkTestSession.get().read().format("delta").load(dir.resolve("wh/bronze/orders_raw").toString())
        .where("as_of_date = DATE'" + day + "'").orderBy("order_id")
        .selectExpr("concat_ws('|', order_id, customer_id, date_format(placed_at, 'yyyy-MM-dd HH:mm:ss'), CAST(amount AS STRING))")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }

  @Test
  void eachDayIsTheDatabasesRowsAndOnlyChangedDaysAreReadAgain() {
    PostgresLocal db = PostgresLocal.shared();
    String table = "orders_" + Long.toHexString(System.nanoTime());
    db.execute("CREATE TABLE " + table + " (order_id text PRIMARY KEY, customer_id text, placed_at timestamp, amount numeric(12,2),"
            + " updated_at timestamp NOT NULL DEFAULT TIMESTAMP '2024-03-05 00:00:00')",
        "INSERT INTO " + table + " (order_id, customer_id, placed_at, amount) SELECT 'O' || d || '-' || lpad(i::text, 3, '0'),"
            + " 'C' || (i % 7), TIMESTAMP '2024-03-01' + (d - 1) * INTERVAL '1 day' + i * INTERVAL '13 minutes', (i * 1.25)::numeric(12,2)"
            + " FROM generate_series(1, 2) d, generate_series(1, 50) i");
    Path pipeline = pipeline(table);
    Path env = db.envFile(dir.resolve("env"));

    Cli.Outcome first = run(pipeline, env);

    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(first.out()).contains("orders_db 2024-03-01: never ingested").contains("orders_db 2024-03-02: never ingested");
    for (String day : List.of("2024-03-01", "2024-03-02")) {
      List<String> expected = db.rows("SELECT order_id, customer_id, to_char(placed_at, 'YYYY-MM-DD HH24:MI:SS'), amount FROM " + table
          + " WHERE placed_at >= DATE '" + day + "' AND placed_at < DATE '" + day + "' + 1 ORDER BY order_id");
      assertThat(bronze(day)).hasSize(50).containsExactlyElementsOf(expected);
    }

    Cli.Outcome idle = run(pipeline, env);
    assertThat(idle.exit()).as(idle.toString()).isZero();
    assertThat(idle.out()).contains("Nothing to do");

    // One order of the second day is updated, and a third day appears: exactly those two are read.
    db.execute("UPDATE " + table + " SET amount = 99.99, updated_at = TIMESTAMP '2024-03-06 10:00:00' WHERE order_id = 'O2-007'",
        "INSERT INTO " + table + " (order_id, customer_id, placed_at, amount) VALUES ('O3-001', 'C1', TIMESTAMP '2024-03-03 08:00:00', 5.00)");
    Cli.Outcome changed = run(pipeline, env);

    assertThat(changed.exit()).as(changed.toString()).isZero();
    assertThat(changed.out())
        .contains("orders_db 2024-03-02: changed after run")
        .contains("its content marker is 2024-03-06 10:00:00, was 2024-03-05 00:00:00")
        .contains("orders_db 2024-03-03: never ingested")
        .containsPattern("2024-03-02  bronze  orders_raw +PUBLISHED +50")
        .containsPattern("2024-03-03  bronze  orders_raw +PUBLISHED +1 ")
        .doesNotContain("2024-03-01  bronze");
    assertThat(bronze("2024-03-02")).contains("O2-007|C0|2024-03-02 01:31:00|99.99");
  }

  @Test
  void anSqlErrorFailsTheBuildNamingTheStatementButNoSecret() {
    PostgresLocal db = PostgresLocal.shared();
    Path pipeline = pipeline("no_such_table");
    Path env = db.envFile(dir.resolve("env"));

    Cli.Outcome failed = run(pipeline, env, "--date", "2024-03-01");

    assertThat(failed.exit()).as(failed.toString()).isEqualTo(4);
    assertThat(failed.out()).contains("jdbc source on postgres 127.0.0.1:").contains("relation \"no_such_table\" does not exist")
        .contains("(in: SELECT to_char(date_trunc('day', placed_at)");
    assertThat(failed.out() + failed.err()).doesNotContain(db.env().get("PGPASSWORD"));

    Cli.Outcome invalid = Cli.run("validate", pipeline("bad name").toString());
    assertThat(invalid.exit()).as(invalid.toString()).isEqualTo(2);
    assertThat(invalid.err()).contains("sources.orders_db.options: table: 'bad name' is not a table name");
  }

  @Test
  void aDatabaseThatDoesNotAnswerIsAskedAgainThenTheRunExits4NamingItButNoSecretAndWritesNothing() throws Exception {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    String secret = "s3cret-" + Long.toHexString(System.nanoTime());
    Path env = dir.resolve("down.env");
    java.nio.file.Files.writeString(env, "STRATA_JDBC_URL=jdbc:postgresql://127.0.0.1:" + closed + "/strata\nPGUSER=shop\nPGPASSWORD=" + secret
        + "\n");
    Path pipeline = pipeline("orders", "    retry: {max_attempts: 2, first_delay: 1s, multiplier: 1, max_delay: 1s}");

    // Planning asks the database what it holds: a refused connection is asked again, then the run stops before anything.
    Cli.Outcome planning = run(pipeline, env);
    assertThat(planning.exit()).as(planning.toString()).isEqualTo(4);
    assertThat(planning.err()).contains("Cannot plan the run: source 'orders_db' did not answer 3 times")
        .contains("jdbc source on postgres 127.0.0.1:" + closed + "/strata").contains("refused")
        .contains("Nothing was built or written");
    assertThat(dir.resolve("wh/bronze")).doesNotExist();

    // A build that reads it: the refused connection is transient, so the build is tried again as its retry policy says.
    Cli.Outcome build = run(pipeline, env, "--date", "2024-03-01");
    assertThat(build.exit()).as(build.toString()).isEqualTo(4);
    assertThat(build.out()).containsPattern("2024-03-01  bronze  orders_raw +RETRYING +attempt 1 of 2 failed .*transient")
        .containsPattern("2024-03-01  bronze  orders_raw +FAILED")
        .contains("Cannot build 'orders_raw' for 2024-03-01: IllegalStateException: jdbc source on postgres 127.0.0.1:" + closed + "/strata: ")
        .contains("refused");
    assertThat(dir.resolve("wh/bronze/orders_raw")).doesNotExist();
    for (Cli.Outcome o : List.of(planning, build)) {
      assertThat(o.out() + o.err()).doesNotContain(secret);
    }
  }

  @Test
  void aQueryIsReadForEachDayBetweenItsBoundsWithThePasswordFromTheFileTheDefinitionNames() {
    PostgresLocal db = PostgresLocal.shared();
    String table = "payments_" + Long.toHexString(System.nanoTime());
    db.execute("CREATE TABLE " + table + " (order_id text PRIMARY KEY, customer_id text, placed_at timestamp, amount numeric(12,2))",
        "INSERT INTO " + table + " SELECT 'P' || d || '-' || i, 'C' || (i % 3), TIMESTAMP '2024-03-01' + (d - 1) * INTERVAL '1 day'"
            + " + i * INTERVAL '40 minutes', (i - 5)::numeric(12,2) FROM generate_series(1, 2) d, generate_series(1, 30) i");
    Path pipeline = define("""
        query: "SELECT order_id, customer_id, placed_at, amount FROM %s WHERE amount > 0 AND placed_at >= {start} AND placed_at < {end}"
        partition_by: placed_at
        password_file: db.password""".formatted(table), "", "db.password", db.env().get("PGPASSWORD") + "\n");
    // The password only in the file the definition names, beside it: the environment has none.
    Path env = dir.resolve("no-password.env");
    StringBuilder settings = new StringBuilder();
    db.env().forEach((k, v) -> {
      if (!k.equals("PGPASSWORD")) {
        settings.append(k).append('=').append(v).append('\n');
      }
    });
    try {
      java.nio.file.Files.writeString(env, settings);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }

    Cli.Outcome one = run(pipeline, env, "--date", "2024-03-02");

    assertThat(one.exit()).as(one.toString()).isZero();
    List<String> expected = db.rows("SELECT order_id, customer_id, to_char(placed_at, 'YYYY-MM-DD HH24:MI:SS'), amount FROM " + table
        + " WHERE amount > 0 AND placed_at >= DATE '2024-03-02' AND placed_at < DATE '2024-03-03' ORDER BY order_id");
    assertThat(expected).hasSize(25);
    assertThat(bronze("2024-03-02")).containsExactlyElementsOf(expected);
    assertThat(bronze("2024-03-01")).isEmpty();

    // Incrementally, the day not built yet is the one to build.
    Cli.Outcome rest = run(pipeline, env);
    assertThat(rest.exit()).as(rest.toString()).isZero();
    assertThat(rest.out()).containsPattern("2024-03-01  bronze  orders_raw +PUBLISHED +25 ").doesNotContain("2024-03-02  bronze");
    assertThat(one.out() + one.err() + rest.out() + rest.err()).doesNotContain(db.env().get("PGPASSWORD"));
  }
}

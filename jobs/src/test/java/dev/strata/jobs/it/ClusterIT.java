package dev.strata.jobs.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.StrataProcess;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The shaded job jar on a real Spark standalone cluster (master, worker and executors as separate
 * JVMs, started by scripts/spark-cluster), and a warehouse on a real S3 API server (s3proxy,
 * started by scripts/s3-local): the same pipeline, the same results as a local run; idempotent
 * re-runs; an S3 outage inside the retry window is survived, a lasting one fails clearly with
 * nothing half-published. Runs in `mvn verify` (Failsafe), after the jar is built.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class ClusterIT {
  private static final Path REPO = Cli.CONF.getParent();
  private static final Path TARGET = REPO.resolve("jobs/target");
  private static final Path STATE = TARGET.resolve("it");
  private static final String D1 = "2024-01-01";
  private static final String D2 = "2024-01-02";
  private static final List<String> TABLES =
      List.of("bronze/customers_raw", "bronze/accounts_raw", "silver/stg_customer", "silver/stg_account", "silver/int_account_with_customer",
          "silver/snap_customer", "gold/account_summary", "gold/customer_metrics");
  private static final Duration SUBMIT = Duration.ofMinutes(6);

  private static String master;
  private static Map<String, String> s3;
  private static Path envFile;

  @BeforeAll
  static void start() throws IOException {
    deleteRecursively(STATE);
    Files.createDirectories(STATE);
    List<String> cluster = script("spark-cluster", "start", "--workers", "1", "--cores", "2", "--memory", "1g");
    master = cluster.get(cluster.size() - 1);
    assertThat(master).startsWith("spark://127.0.0.1:");
    script("s3-local", "start", "--bucket", "strata");
    s3 = new LinkedHashMap<>();
    for (String line : script("s3-local", "env")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        s3.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    envFile = STATE.resolve("s3.env");
    Files.write(envFile, s3.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    // The test's own session reads what the runs wrote to S3.
    var hadoop = SparkTestSession.get().sparkContext().hadoopConfiguration();
    dev.strata.jobs.io.ObjectStore.hadoopSettings(Map.of(), s3).forEach(hadoop::set);
    // Two days of landing files on S3, as for the local runs.
    Cli.Outcome generated = Cli.run("generate", "--env-file", envFile.toString(), "--days", "2", "--rows", "300", "--seed", "7",
        "--null-name-rate", "0.01", "--orphan-rate", "0.01");
    assertThat(generated.exit()).as(generated.toString()).isZero();
  }

  @AfterAll
  static void stop() {
    script("spark-cluster", "stop");
    script("s3-local", "stop");
  }

  @Test
  @Order(1)
  void theBankingPipelineOnTheClusterPublishesWhatALocalRunPublishes() {
    Path clusterWh = STATE.resolve("cluster-wh");
    Path localWh = STATE.resolve("local-wh");
    for (Path wh : List.of(clusterWh, localWh)) {
      Cli.Outcome generated = generate(wh.toString());
      assertThat(generated.exit()).as(generated.toString()).isZero();
    }
    Submitted run = submit("run", "banking", "--from", D1, "--to", D2, "--warehouse", clusterWh.toString());
    assertThat(run.exit()).as(run.output()).isZero();
    // The work ran in executors: the worker started executor JVMs for the application.
    try (Stream<Path> apps = Files.list(STATE.resolve("cluster/work/worker-1"))) {
      assertThat(apps.filter(a -> a.getFileName().toString().startsWith("app-"))).isNotEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Cli.Outcome local = Cli.run("run", "banking", "--from", D1, "--to", D2, "--warehouse", localWh.toString());
    assertThat(local.exit()).as(local.toString()).isZero();
    for (String table : TABLES) {
      assertThat(rows(clusterWh.toUri() + "/" + table)).as(table).isNotEmpty().isEqualTo(rows(localWh.toUri() + "/" + table));
    }
  }

  @Test
  @Order(2)
  void onS3ThroughTheClusterEachLayerAsItsOwnJobAndReRunsChangeNothing() throws IOException {
    String wh = s3.get("STRATA_WAREHOUSE");
    assertThat(wh).startsWith("s3a://strata/");
    for (String layer : List.of("bronze", "silver", "gold")) {
      Submitted job = submit("run", "banking", "--date", D1, "--layer", layer, "--env-file", envFile.toString());
      assertThat(job.exit()).as(layer + "\n" + job.output()).isZero();
    }
    Map<String, List<String>> first = new LinkedHashMap<>();
    for (String table : TABLES) {
      first.put(table, rows(wh + "/" + table));
      assertThat(first.get(table)).as(table).isNotEmpty();
    }
    long version = version(wh + "/silver/stg_account");
    // The same landing files (same generator, seed and defects) as the local run of the first test:
    // the same rows for that day. (History differs: the local one has seen the next day too.)
    Path localWh = STATE.resolve("local-wh");
    for (String table : TABLES) {
      if (!table.equals("silver/snap_customer")) {
        assertThat(dayRows(wh + "/" + table, D1)).as(table + " on S3 vs local").isEqualTo(dayRows(localWh.toUri() + "/" + table, D1));
      }
    }

    Submitted again = submit("run", "banking", "--date", D1, "--env-file", envFile.toString());
    assertThat(again.exit()).as(again.output()).isZero();
    for (String table : TABLES) {
      assertThat(rows(wh + "/" + table)).as(table + " after a re-run").isEqualTo(first.get(table));
    }
    assertThat(version(wh + "/silver/stg_account")).isGreaterThan(version);

    // The keys went nowhere but to the S3 client: not in what was printed, nor in any object written.
    String secret = s3.get("AWS_SECRET_ACCESS_KEY");
    assertThat(again.output()).doesNotContain(secret).doesNotContain(s3.get("AWS_ACCESS_KEY_ID"));
    try (Stream<Path> objects = Files.walk(STATE.resolve("s3/data/strata"))) {
      for (Path o : objects.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(o), StandardCharsets.ISO_8859_1)).as(o.toString()).doesNotContain(secret);
      }
    }
  }

  @Test
  @Order(3)
  void anS3OutageInsideTheRetryWindowIsRetriedAndTheRunSucceeds() {
    String wh = s3.get("STRATA_WAREHOUSE");
    Path logs = STATE.resolve("outage");
    StrataProcess run =
        StrataProcess.start(logs, "outage", "pause:stg_customer:commit:240000", fastFailingS3(),
            "run", "banking", "--date", D2, "--env-file", envFile.toString());
    run.awaitOutput("strata-fault: paused stg_customer", SUBMIT);
    script("s3-local", "stop");
    try {
      release(logs);
      // The commit fails, and so does recording the failed attempt; bring S3 back while the ledger write retries.
      run.awaitOutput("in the ledger failed \\(attempt 1 of", Duration.ofMinutes(2));
    } finally {
      script("s3-local", "start", "--bucket", "strata");
    }
    assertThat(run.await(SUBMIT)).as(run.toString()).isZero();
    assertThat(run.stdout()).contains("stg_customer                RETRYING   attempt 1 of 3 failed");

    Ledger ledger = new Ledger(SparkTestSession.get(), Warehouse.at(wh));
    List<Row> attempts =
        ledger.read("builds").orElseThrow().where("table = 'stg_customer' AND partition = '" + D2 + "'").orderBy("attempt").collectAsList();
    assertThat(attempts).extracting(r -> r.<String>getAs("status")).containsExactly("FAILED", "PUBLISHED");
    assertThat(attempts.get(0).<String>getAs("error_class")).isNotBlank();
    assertThat(rows(wh + "/silver/stg_customer")).isNotEmpty();
  }

  @Test
  @Order(4)
  void anS3OutageThatLastsFailsClearlyWithNothingHalfPublished() {
    String wh = s3.get("STRATA_WAREHOUSE");
    long before = rows(wh + "/silver/stg_account").size();
    long version = version(wh + "/silver/stg_account");
    // The same landing files (same generator, seed and defects) as the local run of the first test:
    // the same rows for that day. (History differs: the local one has seen the next day too.)
    Path localWh = STATE.resolve("local-wh");
    for (String table : TABLES) {
      if (!table.equals("silver/snap_customer")) {
        assertThat(dayRows(wh + "/" + table, D1)).as(table + " on S3 vs local").isEqualTo(dayRows(localWh.toUri() + "/" + table, D1));
      }
    }
    Path logs = STATE.resolve("lasting");
    StrataProcess run =
        StrataProcess.start(logs, "lasting", "pause:stg_account:commit:240000", fastFailingS3(),
            "run", "banking", "--date", "2024-01-02", "--tables", "stg_account", "--env-file", envFile.toString());
    run.awaitOutput("strata-fault: paused stg_account", SUBMIT);
    script("s3-local", "stop");
    int exit;
    try {
      release(logs);
      exit = run.await(SUBMIT);
    } finally {
      script("s3-local", "start", "--bucket", "strata");
    }
    assertThat(exit).as(run.toString()).isEqualTo(4);
    assertThat(run.stderr()).contains("The warehouse's storage did not answer", "atomic commit", "--resume");
    // The table is as it was: the same version, the same rows.
    assertThat(version(wh + "/silver/stg_account")).isEqualTo(version);
    assertThat(rows(wh + "/silver/stg_account")).hasSize((int) before);
  }

  @Test
  @Order(5)
  void theSchedulerSubmitsItsRunsToTheClusterWithSparkSubmit() throws IOException {
    Path dir = STATE.resolve("scheduled");
    Path p = dev.strata.jobs.testing.TinyPipeline.define(
        dir, "sched", dev.strata.jobs.testing.TinyPipeline.withBronze("sched", "schedules:\n  minutely:\n    cron: \"* * * * *\"\n"),
        "b.sql", dev.strata.jobs.testing.TinyPipeline.BRONZE_SQL);
    Path wh = dir.resolve("wh");
    java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
    for (java.time.LocalDate day : List.of(today, today.minusDays(1))) {
      Files.createDirectories(wh.resolve("landing/raw/" + day));
      Files.writeString(wh.resolve("landing/raw/" + day + "/raw.csv"), "id,as_of_date\nr1," + day + "\n");
    }
    StrataProcess scheduler =
        StrataProcess.start(dir.resolve("logs"), "schedule", null, "schedule", "--pipelines", p.toString(), "--warehouse", wh.toString(),
            "--submit", "spark-submit", "--spark-submit", TARGET.resolve("spark-home/bin/spark-submit").toString(), "--master", master,
            "--jar", shadedJar().toString(), "--submit-arg=--conf", "--submit-arg=spark.executor.memory=768m");
    try {
      scheduler.awaitOutput("sched.minutely: the run for .* ended with exit code", SUBMIT);
    } finally {
      scheduler.terminate();
      scheduler.await(Duration.ofMinutes(2));
    }
    assertThat(scheduler.stdout()).as(scheduler.toString()).contains("ended with exit code 0", "] Run ");
    var run = new Ledger(SparkTestSession.get(), Warehouse.at(wh.toString())).runs("sched").get(0);
    assertThat(run.scope().schedule()).contains("sched.minutely");
    assertThat(run.status()).isEqualTo("SUCCEEDED");
  }

  // ---- helpers ----

  private static List<String> fastFailingS3() {
    // Let a refused connection reach Strata's retries quickly instead of S3A's own minutes of retrying.
    return List.of("-Dspark.hadoop.fs.s3a.retry.limit=1", "-Dspark.hadoop.fs.s3a.attempts.maximum=1",
        "-Dspark.hadoop.fs.s3a.connection.establish.timeout=2000", "-Dspark.hadoop.fs.s3a.retry.interval=100ms");
  }

  private static void release(Path logs) {
    try {
      Files.createFile(StrataProcess.releaseFile(logs));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Cli.Outcome generate(String warehouse) {
    return Cli.run("generate", "--warehouse", warehouse, "--days", "2", "--rows", "300", "--seed", "7", "--null-name-rate", "0.01",
        "--orphan-rate", "0.01");
  }

  /** A table's rows as sorted text, without when they were ingested, and with the landing file relative to the warehouse. */
  private static List<String> rows(String path) {
    return rows(SparkTestSession.get().read().format("delta").load(path));
  }

  private static List<String> rows(Dataset<Row> rows) {
    List<String> columns = Arrays.asList(rows.columns());
    if (columns.contains("_ingested_at")) {
      rows = rows.drop("_ingested_at");
    }
    if (columns.contains("_source_file")) {
      rows = rows.withColumn("_source_file", functions.regexp_extract(functions.col("_source_file"), "landing/.*$", 0));
    }
    return SparkTestSession.sortedRows(rows);
  }

  private static List<String> dayRows(String path, String day) {
    Dataset<Row> rows = SparkTestSession.get().read().format("delta").load(path).where("as_of_date = DATE'" + day + "'");
    return rows(rows);
  }

  private static long version(String path) {
    return dev.strata.jobs.io.DeltaTables.version(SparkTestSession.get(), path);
  }

  private record Submitted(int exit, String output) {}

  /** spark-submit of the shaded jar to the cluster, as a user would type it. */
  private static Submitted submit(String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        TARGET.resolve("spark-home/bin/spark-submit").toString(), "--master", master,
        "--conf", "spark.executor.memory=768m", "--conf", "spark.cores.max=2",
        "--class", "dev.strata.jobs.cli.StrataMain", shadedJar().toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--conf-dir", Cli.CONF.toString()));
    return exec(cmd, Map.of(), SUBMIT);
  }

  private static Path shadedJar() {
    try (Stream<Path> jars = Files.list(TARGET)) {
      return jars.filter(p -> p.getFileName().toString().matches("strata-jobs-.*-spark\\.jar")).findFirst()
          .orElseThrow(() -> new AssertionError("no shaded jar in " + TARGET + "; run mvn package first"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs one of the project's scripts with this test's state folders; returns its output lines. */
  private static List<String> script(String name, String... args) {
    List<String> cmd = new ArrayList<>(List.of(REPO.resolve("scripts").resolve(name).toString()));
    cmd.addAll(List.of(args));
    Submitted done = exec(cmd, Map.of("STRATA_CLUSTER_DIR", STATE.resolve("cluster").toString(), "STRATA_S3_DIR", STATE.resolve("s3").toString()),
        Duration.ofMinutes(3));
    assertThat(done.exit()).as(String.join(" ", cmd) + "\n" + done.output()).isZero();
    return done.output().lines().toList();
  }

  private static Submitted exec(List<String> cmd, Map<String, String> env, Duration timeout) {
    try {
      Path out = Files.createTempFile(STATE, "exec", ".out");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().putAll(env);
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + " still running after " + timeout + "\n" + Files.readString(out));
      }
      return new Submitted(p.exitValue(), Files.readString(out));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

package dev.strata.jobs.ledger;

import static org.apache.spark.sql.functions.col;

import dev.strata.jobs.engine.RunResult;
import dev.strata.jobs.engine.TableBuildResult;
import dev.strata.jobs.io.Warehouse;
import dev.strata.quality.RuleResult;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * The ledger: Delta tables under {@code <warehouse>/_strata/ledger/} that record every run, every
 * table build and every gate result. It is what builds trust: before a table builds a partition,
 * it asks the ledger whether each upstream table's latest build of that partition published.
 *
 * <p>Every write is an append in one Delta commit, and a status change is a new row, never an
 * update: a run killed at any point leaves a consistent ledger, in which the run's latest row says
 * {@code RUNNING}. Concurrent runs append without conflicting.
 */
public final class Ledger {
  static final StructType RUNS =
      StructType.fromDDL(
          "run_id STRING, pipeline STRING, trigger STRING, partitions ARRAY<STRING>, status STRING,"
              + " exit_code INT, started_at TIMESTAMP, recorded_at TIMESTAMP, user STRING, host STRING");
  static final StructType BUILDS =
      StructType.fromDDL(
          "run_id STRING, pipeline STRING, table STRING, layer STRING, partition STRING, attempt INT,"
              + " status STRING, rows_in BIGINT, rows_published BIGINT, rows_quarantined BIGINT,"
              + " rows_filtered BIGINT, duration_ms BIGINT, delta_version BIGINT, message STRING,"
              + " recorded_at TIMESTAMP");
  static final StructType GATE_RESULTS =
      StructType.fromDDL(
          "run_id STRING, pipeline STRING, table STRING, partition STRING, rule STRING, rule_group STRING,"
              + " outcome STRING, observed MAP<STRING, DOUBLE>, message STRING, recorded_at TIMESTAMP");

  private final SparkSession spark;
  private final String root;

  public Ledger(SparkSession spark, Warehouse warehouse) {
    this.spark = spark;
    this.root = warehouse.root() + "/_strata/ledger";
  }

  public String path(String table) {
    return root + "/" + table;
  }

  /** Records that a run started; until it ends, its latest row says RUNNING. */
  public void runStarted(String runId, String pipeline, String trigger, List<LocalDate> partitions, Instant at) {
    append("runs", RUNS, List.of(runRow(runId, pipeline, trigger, partitions, "RUNNING", null, at, at)));
  }

  /** Records how a run ended: SUCCEEDED, or its worst table outcome (BLOCKED, NOT_READY, FAILED...). */
  public void runEnded(RunResult run, String trigger, Instant at) {
    String status = run.exitCode() == 0 ? "SUCCEEDED" : run.status().name();
    append(
        "runs",
        RUNS,
        List.of(runRow(run.runId(), run.pipeline(), trigger, run.partitions(), status, run.exitCode(), run.startedAt(), at)));
  }

  /** Records one table build and its gate results. */
  public void buildFinished(String runId, String pipeline, TableBuildResult b, int attempt, Instant at) {
    Timestamp now = Timestamp.from(at);
    append(
        "builds",
        BUILDS,
        List.of(
            RowFactory.create(
                runId, pipeline, b.table(), b.layer().key(), b.partition().toString(), attempt, b.status().name(),
                b.counts().known() ? b.counts().in() : null,
                b.counts().known() ? b.counts().published() : null,
                b.counts().known() ? b.counts().quarantined() : null,
                b.counts().known() ? b.counts().filtered() : null,
                b.duration().toMillis(),
                b.deltaVersion() < 0 ? null : b.deltaVersion(),
                b.message(),
                now)));
    List<Row> gate = new ArrayList<>();
    for (RuleResult r : b.gate().results()) {
      gate.add(
          RowFactory.create(
              runId, pipeline, b.table(), b.partition().toString(), r.spec().text(), r.spec().group().key(), r.outcome(),
              JavaConverters.mapAsScalaMapConverter(r.observed()).asScala(), r.message(), now));
    }
    if (!gate.isEmpty()) {
      append("gate_results", GATE_RESULTS, gate);
    }
  }

  /** The latest build of a table's partition, as the ledger recorded it. */
  public Optional<BuildRecord> latestBuild(String pipeline, String table, LocalDate partition) {
    if (!DeltaTable.isDeltaTable(spark, path("builds"))) {
      return Optional.empty();
    }
    List<Row> rows =
        spark.read().format("delta").load(path("builds"))
            .where(col("pipeline").equalTo(pipeline).and(col("table").equalTo(table)).and(col("partition").equalTo(partition.toString())))
            .orderBy(col("recorded_at").desc())
            .limit(1)
            .collectAsList();
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    Row r = rows.get(0);
    return Optional.of(
        new BuildRecord(
            r.getAs("run_id"), r.getAs("table"), partition, r.getAs("status"),
            r.isNullAt(r.fieldIndex("delta_version")) ? -1 : r.<Long>getAs("delta_version"),
            r.<Timestamp>getAs("recorded_at").toInstant()));
  }

  /** The rows of a ledger table, or empty if nothing was recorded yet. */
  public Optional<Dataset<Row>> read(String table) {
    return DeltaTable.isDeltaTable(spark, path(table))
        ? Optional.of(spark.read().format("delta").load(path(table)))
        : Optional.empty();
  }

  private Row runRow(
      String runId, String pipeline, String trigger, List<LocalDate> partitions, String status, Integer exitCode, Instant started, Instant at) {
    List<String> dates = partitions.stream().map(LocalDate::toString).toList();
    return RowFactory.create(
        runId, pipeline, trigger, JavaConverters.asScalaBufferConverter(dates).asScala().toSeq(), status, exitCode,
        Timestamp.from(started), Timestamp.from(at), System.getProperty("user.name"), host());
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown";
    }
  }

  private void append(String table, StructType schema, List<Row> rows) {
    spark.createDataFrame(rows, schema).coalesce(1).write().format("delta").mode("append").save(path(table));
  }
}

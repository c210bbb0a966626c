package dev.strata.jobs.ledger;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.quality.RuleResult;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
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
              + " exit_code INT, started_at TIMESTAMP, recorded_at TIMESTAMP, user STRING, host STRING,"
              + " layer STRING, tables ARRAY<STRING>, resumes STRING, schedule STRING, scheduled_for TIMESTAMP");
  static final StructType BUILDS =
      StructType.fromDDL(
          "run_id STRING, pipeline STRING, table STRING, layer STRING, partition STRING, attempt INT,"
              + " status STRING, rows_in BIGINT, rows_published BIGINT, rows_quarantined BIGINT,"
              + " rows_filtered BIGINT, duration_ms BIGINT, delta_version BIGINT, message STRING,"
              + " recorded_at TIMESTAMP, error_class STRING, null_counts MAP<STRING, BIGINT>, key_columns ARRAY<STRING>,"
              + " duplicate_keys BIGINT, files_written BIGINT, bytes_written BIGINT,"
              + " step_exit_code INT, step_metrics MAP<STRING, STRING>, step_log STRING");
  static final StructType GATE_RESULTS =
      StructType.fromDDL(
          "run_id STRING, pipeline STRING, table STRING, partition STRING, rule STRING, rule_group STRING,"
              + " outcome STRING, observed MAP<STRING, DOUBLE>, message STRING, recorded_at TIMESTAMP, position INT");

  static final StructType INGESTED_FILES =
      StructType.fromDDL(
          "run_id STRING, pipeline STRING, source STRING, table STRING, partition STRING, file STRING, size BIGINT,"
              + " modified_at BIGINT, recorded_at TIMESTAMP");

  static final StructType DELIVERIES =
      StructType.fromDDL(
          "run_id STRING, pipeline STRING, table STRING, partition STRING, output STRING, sink STRING, attempt INT, status STRING,"
              + " rows BIGINT, target STRING, delta_version BIGINT, duration_ms BIGINT, message STRING, recorded_at TIMESTAMP");

  static final StructType MAINTENANCE =
      StructType.fromDDL(
          "maintenance_id STRING, pipeline STRING, action STRING, table STRING, partition STRING, target STRING, status STRING,"
              + " files_removed BIGINT, files_added BIGINT, bytes_removed BIGINT, message STRING, duration_ms BIGINT, recorded_at TIMESTAMP,"
              + " schedule STRING, scheduled_for TIMESTAMP");

  static final StructType STREAM_BATCHES =
      StructType.fromDDL(
          "pipeline STRING, source STRING, batch BIGINT, topic STRING, kafka_partition INT, start_offset BIGINT, end_offset BIGINT,"
              + " status STRING, run_id STRING, recorded_at TIMESTAMP");

  static final StructType SOURCE_ATTEMPTS =
      StructType.fromDDL("pipeline STRING, source STRING, run_id STRING, outcome STRING, message STRING, recorded_at TIMESTAMP");

  static final StructType BACKFILLS =
      StructType.fromDDL("backfill_id STRING, pipeline STRING, table STRING, partition STRING, planned_at TIMESTAMP");

  /**
   * A unit another run was building when this one wanted it: recorded, but not a build of the
   * partition, so never what downstream builds trust.
   */
  static final String NOT_A_BUILD = BuildStatus.LOCKED.name();

  /** The order in which a table partition's builds are newest first. */
  private static final WindowSpec NEWEST_BUILD_FIRST =
      Window.partitionBy("table", "partition").orderBy(col("recorded_at").desc(), col("attempt").desc());

  private final SparkSession spark;
  private final Warehouse warehouse;

  public Ledger(SparkSession spark, Warehouse warehouse) {
    this.spark = spark;
    this.warehouse = warehouse;
  }

  public String path(String table) {
    return warehouse.ledgerPath(table);
  }

  /** The ledger's Delta tables. */
  static final List<String> TABLES = List.of("runs", "builds", "gate_results", "ingested_files", "backfills", "deliveries", "maintenance", "stream_batches", "source_attempts");

  /**
   * Where the ledger's tables are, in {@link #TABLES} order: what a run checks, with its tables,
   * before it starts ({@link DeltaTables#checkAll}), so that it never starts on a damaged ledger
   * (and never leaves a RUNNING row it cannot end).
   */
  public List<String> paths() {
    return TABLES.stream().map(this::path).toList();
  }

  /** Records that a run started; until it ends, its latest row says RUNNING. */
  public void runStarted(String runId, String pipeline, RunRequest request, List<String> tables, List<Partition> partitions, Instant at) {
    append("runs", RUNS, List.of(runRow(runId, pipeline, request, tables, partitions, RunRecord.RUNNING, null, at, at)));
  }

  /** Records how a run ended: SUCCEEDED, or its worst table outcome (BLOCKED, NOT_READY, FAILED...). */
  public void runEnded(RunResult run, RunRequest request, List<String> tables, Instant at) {
    String status = run.exitCode() == 0 ? RunRecord.SUCCEEDED : run.status().name();
    append(
        "runs",
        RUNS,
        List.of(runRow(run.runId(), run.pipeline(), request, tables, run.partitions(), status, run.exitCode(), run.startedAt(), at)));
  }

  /**
   * Records that a run ended without finishing its work because the engine's own bookkeeping
   * failed (status ABORTED, exit 4): what it published stays, as its builds' rows say.
   */
  public void runAborted(String runId, String pipeline, RunRequest request, List<String> tables, List<Partition> partitions, Instant started,
      Instant at, int exitCode) {
    append("runs", RUNS, List.of(runRow(runId, pipeline, request, tables, partitions, "ABORTED", exitCode, started, at)));
  }

  /** Records one table build and its gate results. */
  public void buildFinished(String runId, String pipeline, TableBuildResult b, Instant at) {
    Timestamp now = Timestamp.from(at);
    List<Row> gate = new ArrayList<>();
    // position: the order of the gate's results, causes first (0 is the rule that decided a blocked build).
    for (RuleResult r : b.gate().results()) {
      gate.add(
          RowFactory.create(
              runId, pipeline, b.table(), b.partition().toString(), r.spec().text(), r.spec().group().key(), r.outcome().name(),
              JavaConverters.mapAsScalaMapConverter(r.observed()).asScala(), r.message(), now, gate.size()));
    }
    // Two tables, two commits, made at once: each is mostly the driver's (planning, the Delta log),
    // so they overlap. Readers join them by run, table and partition, never by commit order.
    java.util.concurrent.CompletableFuture<Void> results = gate.isEmpty()
        ? java.util.concurrent.CompletableFuture.completedFuture(null)
        : java.util.concurrent.CompletableFuture.runAsync(() -> append("gate_results", GATE_RESULTS, gate), APPENDS);
    RuntimeException failed = null;
    try {
      append(
          "builds",
          BUILDS,
          List.of(
              RowFactory.create(
                  runId, pipeline, b.table(), b.layer().key(), b.partition().toString(), b.attempt(), b.status().name(),
                  b.counts().known() ? b.counts().in() : null,
                  b.counts().known() ? b.counts().published() : null,
                  b.counts().known() ? b.counts().quarantined() : null,
                  b.counts().known() ? b.counts().filtered() : null,
                  b.duration().toMillis(),
                  b.deltaVersion() < 0 ? null : b.deltaVersion(),
                  b.message(),
                  now,
                  b.errorClass(),
                  b.metrics().known() ? JavaConverters.mapAsScalaMapConverter(b.metrics().nullCounts()).asScala() : null,
                  b.metrics().known() ? seq(b.metrics().keyColumns()) : null,
                  b.metrics().duplicateKeys() < 0 ? null : b.metrics().duplicateKeys(),
                  b.metrics().filesWritten() < 0 ? null : b.metrics().filesWritten(),
                  b.metrics().bytesWritten() < 0 ? null : b.metrics().bytesWritten(),
                  b.step() == null ? null : b.step().exitCode(),
                  b.step() == null ? null : JavaConverters.mapAsScalaMapConverter(b.step().metrics()).asScala(),
                  b.step() == null ? null : b.step().log())));
    } catch (RuntimeException e) {
      failed = e;
    }
    try {
      results.join();
    } catch (java.util.concurrent.CompletionException e) {
      RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
      if (failed == null) {
        failed = cause;
      } else {
        failed.addSuppressed(cause);
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Makes a build's second ledger commit beside its first, on a thread of its own started by the
   * build's thread: it inherits that thread's Spark local properties (the build's job group and
   * scheduler pool), which a pooled thread would keep from whichever build created it.
   */
  private static final java.util.concurrent.Executor APPENDS = task -> {
    Thread t = new Thread(task, "strata-ledger");
    t.setDaemon(true);
    t.start();
  };

  /** Records one attempt to deliver a published table partition to one of its outputs. */
  public void deliveryFinished(String runId, String pipeline, dev.strata.jobs.run.DeliveryResult d, Instant at) {
    append("deliveries", DELIVERIES, List.of(RowFactory.create(
        runId, pipeline, d.table(), d.partition().toString(), d.output(), d.sink(), d.attempt(), d.status(),
        d.delivered() ? d.rows() : null, d.target(), d.deltaVersion() < 0 ? null : d.deltaVersion(), d.duration().toMillis(),
        d.message(), Timestamp.from(at))));
  }

  /** The newest Delta version of a table partition an output received, if any delivery of it succeeded. */
  public java.util.OptionalLong lastDeliveredVersion(String pipeline, String table, Partition partition, String output) {
    Optional<Dataset<Row>> all = read("deliveries");
    if (all.isEmpty()) {
      return java.util.OptionalLong.empty();
    }
    Row r = all.get().where(col("pipeline").equalTo(pipeline).and(col("table").equalTo(table)).and(col("partition").equalTo(partition.toString()))
        .and(col("output").equalTo(output)).and(col("status").equalTo("DELIVERED"))).agg(org.apache.spark.sql.functions.max("delta_version")).head();
    return r.isNullAt(0) ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(r.getLong(0));
  }

  /**
   * The latest delivery of each table partition to each of its outputs, of a pipeline, with the
   * latest one that delivered; in table, output and partition order.
   */
  public List<DeliveryRecord> latestDeliveries(String pipeline) {
    Optional<Dataset<Row>> all = read("deliveries");
    if (all.isEmpty()) {
      return List.of();
    }
    java.util.Map<List<String>, DeliveryRecord[]> byUnit = new java.util.TreeMap<>(java.util.Comparator.comparing(Object::toString));
    for (Row r : all.get().where(col("pipeline").equalTo(pipeline)).collectAsList()) {
      DeliveryRecord d = DeliveryRecord.of(r);
      DeliveryRecord[] seen = byUnit.computeIfAbsent(List.of(d.table(), d.output(), d.partition().toString()), k -> new DeliveryRecord[2]);
      if (seen[0] == null || d.newerThan(seen[0])) {
        seen[0] = d;
      }
      if (d.delivered() && (seen[1] == null || d.newerThan(seen[1]))) {
        seen[1] = d;
      }
    }
    return byUnit.values().stream().map(s -> s[0].withLastDelivered(s[1])).toList();
  }

  /** The latest build of a table's partition, as the ledger recorded it. */
  public Optional<BuildRecord> latestBuild(String pipeline, String table, Partition partition) {
    return Optional.ofNullable(latestBuilds(pipeline, table, List.of(partition)).get(partition));
  }

  /**
   * The latest build of each of these partitions of a table that the ledger has one of (one query
   * for them all: a day read by the hours it holds asks for 24).
   */
  public Map<Partition, BuildRecord> latestBuilds(String pipeline, String table, java.util.Collection<Partition> partitions) {
    if (partitions.isEmpty()) {
      return Map.of();
    }
    Object[] values = partitions.stream().map(Partition::toString).distinct().toArray();
    List<Row> rows = read("builds").map(builds -> builds
        .where(col("pipeline").equalTo(pipeline).and(col("table").equalTo(table)).and(col("partition").isin(values)))
        .where(col("status").notEqual(NOT_A_BUILD))
        .collectAsList()).orElse(List.of());
    Map<Partition, Row> newest = new java.util.TreeMap<>();
    for (Row r : rows) {
      newest.merge(Partition.parse(r.<String>getAs("partition")), r, (a, b) -> newer(a, b) ? a : b);
    }
    Map<Partition, BuildRecord> out = new java.util.TreeMap<>();
    newest.forEach((p, r) -> out.put(p, BuildRecord.of(r)));
    return out;
  }

  /** Whether build row {@code a} was recorded after {@code b} (the later attempt first among equals). */
  private static boolean newer(Row a, Row b) {
    int byTime = a.<Timestamp>getAs("recorded_at").compareTo(b.<Timestamp>getAs("recorded_at"));
    return byTime != 0 ? byTime > 0 : a.<Integer>getAs("attempt") > b.<Integer>getAs("attempt");
  }

  /**
   * Every table partition of a pipeline the ledger has a build of: its latest build and its latest
   * published one, in partition then table order.
   */
  public List<UnitState> latestBuilds(String pipeline) {
    return latestBuildsTable(pipeline).map(Dataset::collectAsList).orElse(List.of()).stream()
        .map(r -> new UnitState(BuildRecord.of(r), r.isNullAt(r.fieldIndex("last_published_at"))
            ? Optional.empty()
            : Optional.of(new UnitState.Published(
                r.getAs("last_published_run"), r.<Timestamp>getAs("last_published_at").toInstant(),
                r.isNullAt(r.fieldIndex("last_published_version")) ? -1 : r.<Long>getAs("last_published_version"),
                r.isNullAt(r.fieldIndex("last_published_rows")) ? -1 : r.<Long>getAs("last_published_rows")))))
        .sorted(java.util.Comparator.comparing(UnitState::unit))
        .toList();
  }

  /**
   * {@link #latestBuilds} as a table, for people in a notebook: columns of {@link #BUILDS} plus
   * {@code last_published_at}, {@code last_published_version}, {@code last_published_rows} and
   * {@code last_published_run}.
   */
  public Optional<Dataset<Row>> latestBuildsTable(String pipeline) {
    return read("builds").map(b -> {
      Dataset<Row> mine = b.where(col("pipeline").equalTo(pipeline).and(col("status").notEqual(NOT_A_BUILD)));
      Dataset<Row> latest = firstOf(mine, NEWEST_BUILD_FIRST);
      Dataset<Row> published =
          firstOf(mine.where(col("status").equalTo(BuildStatus.PUBLISHED.name())), NEWEST_BUILD_FIRST)
              .select(
                  col("table").as("_t"), col("partition").as("_p"), col("recorded_at").as("last_published_at"),
                  col("delta_version").as("last_published_version"), col("rows_published").as("last_published_rows"),
                  col("run_id").as("last_published_run"));
      return latest.join(published, latest.col("table").equalTo(published.col("_t")).and(latest.col("partition").equalTo(published.col("_p"))), "left")
          .drop("_t", "_p");
    });
  }

  /** Every run of a pipeline as its latest row says (RUNNING until it ended), newest first. */
  public List<RunRecord> runs(String pipeline) {
    // Two rows per run (started, ended): few enough to collect and reduce here in one job, rather
    // than in a window and a sort, which cost Spark three jobs of their own on every run's start.
    java.util.Map<String, Row> latest = new java.util.HashMap<>();
    for (Row r : read("runs").map(runs -> runs.where(col("pipeline").equalTo(pipeline)).collectAsList()).orElse(List.of())) {
      latest.merge(r.getAs("run_id"), r, (a, b) -> LATEST_ROW.compare(a, b) >= 0 ? a : b);
    }
    return latest.values().stream()
        .sorted(java.util.Comparator.comparing((Row r) -> r.<Timestamp>getAs("started_at")).thenComparing(r -> r.<String>getAs("run_id"))
            .reversed())
        .map(RunRecord::of)
        .toList();
  }

  /** Of two rows of one run, the later: recorded later, or at the same time with an exit code (its end). */
  private static final java.util.Comparator<Row> LATEST_ROW =
      java.util.Comparator.comparing((Row r) -> r.<Timestamp>getAs("recorded_at"))
          .thenComparing(r -> r.isNullAt(r.fieldIndex("exit_code")) ? Integer.MIN_VALUE : r.<Integer>getAs("exit_code"));

  /** One run of a pipeline, as its latest row says. */
  public Optional<RunRecord> run(String pipeline, String runId) {
    return runs(pipeline).stream().filter(r -> r.runId().equals(runId)).findFirst();
  }

  /**
   * The intervals of each scheduled job of the pipeline that a run finished (whatever its outcome),
   * by job: what a restarted scheduler does not run again. A run that never recorded its end (its
   * process died) does not count: its interval runs again, as idempotent as any run.
   */
  public java.util.Map<String, java.util.SortedSet<Instant>> finishedIntervals(String pipeline) {
    java.util.Map<String, java.util.SortedSet<Instant>> done = new java.util.HashMap<>();
    for (RunRecord run : runs(pipeline)) {
      if (!run.running() && run.scope().schedule().isPresent() && run.scope().scheduledFor().isPresent()) {
        done.computeIfAbsent(run.scope().schedule().get(), k -> new java.util.TreeSet<>()).add(run.scope().scheduledFor().get());
      }
    }
    // Scheduled maintenances (job: maintain) are recorded with their actions.
    read("maintenance").ifPresent(m -> m.where(col("pipeline").equalTo(pipeline).and(col("schedule").isNotNull()))
        .select("schedule", "scheduled_for").distinct().collectAsList()
        .forEach(r -> done.computeIfAbsent(r.getString(0), k -> new java.util.TreeSet<>()).add(r.getTimestamp(1).toInstant())));
    return done;
  }

  /**
   * Records the landing files a published bronze build read, after its commit. If the process dies
   * between the two, the partition has no manifest and is simply ingested again, with the same
   * idempotent replace: never twice in the table.
   */
  public void filesIngested(
      String runId, String pipeline, String source, String table, Partition partition, List<dev.strata.jobs.io.HadoopFiles.FileInfo> files,
      Instant at) {
    if (files.isEmpty()) {
      return;
    }
    Timestamp now = Timestamp.from(at);
    List<Row> rows = new ArrayList<>();
    for (var f : files) {
      rows.add(RowFactory.create(runId, pipeline, source, table, partition.toString(), f.path(), f.size(), f.modifiedAt(), now));
    }
    append("ingested_files", INGESTED_FILES, rows);
  }

  /**
   * For each partition of a source, the files its latest recorded ingestion read.
   */
  public java.util.Map<Partition, IngestedFiles> ingested(String pipeline, String source) {
    java.util.Map<Partition, IngestedFiles> manifests = new java.util.TreeMap<>();
    Optional<Dataset<Row>> all = read("ingested_files");
    if (all.isEmpty()) {
      return manifests;
    }
    Dataset<Row> mine = all.get().where(col("pipeline").equalTo(pipeline).and(col("source").equalTo(source)));
    WindowSpec newest = Window.partitionBy("partition").orderBy(col("recorded_at").desc());
    Dataset<Row> latestRun =
        firstOf(mine.groupBy("partition", "run_id").agg(org.apache.spark.sql.functions.max("recorded_at").as("recorded_at")), newest)
            .select("partition", "run_id");
    for (Row r : mine.join(latestRun, new String[] {"partition", "run_id"}).collectAsList()) {
      Partition partition = Partition.parse(r.<String>getAs("partition"));
      var manifest = manifests.computeIfAbsent(partition, p -> new IngestedFiles(r.getAs("run_id"), new java.util.HashMap<>()));
      String file = r.getAs("file");
      manifest.files().put(
          dev.strata.jobs.io.HadoopFiles.key(file),
          new dev.strata.jobs.io.HadoopFiles.FileInfo(file, r.<Long>getAs("size"), r.<Long>getAs("modified_at")));
    }
    return manifests;
  }

  /** Stores a backfill's plan: one row per (table, partition) unit. */
  public void backfillPlanned(String id, String pipeline, List<dev.strata.jobs.run.UnitId> units, Instant at) {
    Timestamp when = Timestamp.from(at);
    List<Row> rows = new ArrayList<>();
    for (dev.strata.jobs.run.UnitId unit : units) {
      rows.add(RowFactory.create(id, pipeline, unit.table(), unit.partition().toString(), when));
    }
    append("backfills", BACKFILLS, rows);
  }

  /**
   * The row counts of a table's accepted partitions before {@code before} (all of them if it is null): for each partition, the
   * rows its latest published build published (a build whose gate passed). A re-run replaces its
   * partition's value; a blocked or failed build never counts.
   */
  public java.util.SortedMap<Partition, Long> acceptedRowCounts(String pipeline, String table, Partition before) {
    java.util.SortedMap<Partition, Long> counts = new java.util.TreeMap<>();
    read("builds").ifPresent(b -> {
      Dataset<Row> mine =
          b.where(col("pipeline").equalTo(pipeline).and(col("table").equalTo(table)).and(col("status").equalTo(BuildStatus.PUBLISHED.name()))
              .and(before == null ? org.apache.spark.sql.functions.lit(true) : col("partition").lt(before.toString()))
              .and(col("rows_published").isNotNull()));
      for (Row r : mine.groupBy("partition")
          .agg(org.apache.spark.sql.functions.max_by(col("rows_published"), col("recorded_at")))
          .collectAsList()) {
        counts.put(Partition.parse(r.getString(0)), r.getLong(1));
      }
    });
    return counts;
  }

  /**
   * A table's newest published partition and when it last published anything.
   *
   * @param newestPartition the newest partition whose latest published build is on record
   * @param at when its latest publish (of any partition) was recorded
   * @param runId the run of that publish
   */
  public record LastPublish(Partition newestPartition, Instant at, String runId) {}

  /** The table's {@link LastPublish}, or empty if it never published. */
  public Optional<LastPublish> lastPublish(String pipeline, String table) {
    return read("builds").flatMap(b -> {
      Row r =
          b.where(col("pipeline").equalTo(pipeline).and(col("table").equalTo(table)).and(col("status").equalTo(BuildStatus.PUBLISHED.name())))
              .agg(org.apache.spark.sql.functions.max("partition"), org.apache.spark.sql.functions.max("recorded_at"),
                  org.apache.spark.sql.functions.max_by(col("run_id"), col("recorded_at")))
              .head();
      return r.isNullAt(0)
          ? Optional.empty()
          : Optional.of(new LastPublish(Partition.parse(r.getString(0)), r.getTimestamp(1).toInstant(), r.getString(2)));
    });
  }

  /** Records actions of a maintenance, in one commit. */
  public void maintained(List<MaintenanceRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    List<Row> rows = records.stream().map(m -> RowFactory.create(
        m.maintenanceId(), m.pipeline(), m.action(), m.table(), m.partition(), m.target(), m.status(), m.filesRemoved(), m.filesAdded(),
        m.bytesRemoved(), m.message(), m.durationMs(), Timestamp.from(m.recordedAt()), m.schedule(),
        m.scheduledFor() == null ? null : Timestamp.from(m.scheduledFor()))).toList();
    append("maintenance", MAINTENANCE, rows);
  }

  /** Records a batch of a Kafka source (each of its topic partitions), PLANNED or LANDED, in one commit. */
  public void streamBatch(List<StreamBatch> parts) {
    if (parts.isEmpty()) {
      return;
    }
    append("stream_batches", STREAM_BATCHES, parts.stream().map(b -> RowFactory.create(b.pipeline(), b.source(), b.batch(), b.topic(),
        b.kafkaPartition(), b.startOffset(), b.endOffset(), b.status(), b.runId(), Timestamp.from(b.recordedAt()))).toList());
  }

  /**
   * The latest batch of a Kafka source, each topic partition's share with its latest status
   * (LANDED if it landed, else PLANNED), or its RESET row if it was started over since; empty if
   * it never pulled.
   */
  public List<StreamBatch> latestStreamBatch(String pipeline, String source) {
    Optional<Dataset<Row>> all = read("stream_batches");
    if (all.isEmpty()) {
      return List.of();
    }
    Dataset<Row> mine = all.get().where(col("pipeline").equalTo(pipeline).and(col("source").equalTo(source)));
    List<Row> last = mine.agg(org.apache.spark.sql.functions.max("batch")).collectAsList();
    if (last.isEmpty() || last.get(0).isNullAt(0)) {
      return List.of();
    }
    long batch = last.get(0).getLong(0);
    java.util.Map<Integer, StreamBatch> byPartition = new java.util.TreeMap<>();
    for (Row r : mine.where(col("batch").equalTo(batch)).orderBy("recorded_at").collectAsList()) {
      StreamBatch b = new StreamBatch(r.getAs("pipeline"), r.getAs("source"), r.<Long>getAs("batch"), r.getAs("topic"),
          r.<Integer>getAs("kafka_partition"), r.<Long>getAs("start_offset"), r.<Long>getAs("end_offset"), r.getAs("status"),
          r.getAs("run_id"), r.<Timestamp>getAs("recorded_at").toInstant());
      byPartition.merge(b.kafkaPartition(), b, (x, y) -> x.status().equals(StreamBatch.LANDED) ? x : y);
    }
    return List.copyOf(byPartition.values());
  }

  /**
   * Records an attempt to ingest a source whose circuit breaker is declared: OK, FAILED (with why),
   * or RESET (closed by hand).
   */
  public void sourceAttempt(String pipeline, String source, String runId, String outcome, String message, Instant at) {
    append("source_attempts", SOURCE_ATTEMPTS, List.of(RowFactory.create(pipeline, source, runId, outcome, message, Timestamp.from(at))));
  }

  /** A source's ingest attempts, newest first: what its circuit breaker decides from. */
  public List<SourceAttempt> sourceAttempts(String pipeline, String source) {
    return read("source_attempts")
        .map(a -> a.where(col("pipeline").equalTo(pipeline).and(col("source").equalTo(source))).orderBy(col("recorded_at").desc()).limit(1000)
            .collectAsList())
        .orElse(List.of()).stream()
        .map(r -> new SourceAttempt(r.getAs("run_id"), r.getAs("outcome"), r.getAs("message"), r.<Timestamp>getAs("recorded_at").toInstant()))
        .toList();
  }

  /** One attempt to ingest a source, as {@link #sourceAttempts} reads it. */
  public record SourceAttempt(String runId, String outcome, String message, Instant at) {
    public static final String OK = "OK";
    public static final String FAILED = "FAILED";
    public static final String RESET = "RESET";
  }

  /** Every action of a pipeline's maintenances, oldest first. */
  public List<MaintenanceRecord> maintenance(String pipeline) {
    return read("maintenance").map(m -> m.where(col("pipeline").equalTo(pipeline)).orderBy("recorded_at").collectAsList()).orElse(List.of())
        .stream().map(r -> new MaintenanceRecord(r.getAs("maintenance_id"), r.getAs("pipeline"), r.getAs("action"), r.getAs("table"),
            r.getAs("partition"), r.getAs("target"), r.getAs("status"), r.<Long>getAs("files_removed"), r.<Long>getAs("files_added"),
            r.<Long>getAs("bytes_removed"), r.getAs("message"), r.<Long>getAs("duration_ms"), r.<Timestamp>getAs("recorded_at").toInstant(),
            r.getAs("schedule"), r.isNullAt(r.fieldIndex("scheduled_for")) ? null : r.<Timestamp>getAs("scheduled_for").toInstant()))
        .toList();
  }

  /**
   * When each partition of a table last published (its latest published build), and when it was
   * last compacted by a maintenance ({@code optimize} done; absent if never): the partitions
   * published since are the ones a maintenance compacts.
   *
   * @return by partition (its written form), {published at, optimized at or null}
   */
  public Map<String, Instant[]> publishedAndOptimized(String pipeline, String table) {
    Map<String, Instant[]> out = new java.util.TreeMap<>();
    read("builds").ifPresent(b -> b
        .where(col("pipeline").equalTo(pipeline).and(col("table").equalTo(table)).and(col("status").equalTo(BuildStatus.PUBLISHED.name())))
        .groupBy("partition").agg(org.apache.spark.sql.functions.max("recorded_at")).collectAsList()
        .forEach(r -> out.put(r.getString(0), new Instant[] {r.getTimestamp(1).toInstant(), null})));
    read("maintenance").ifPresent(m -> m
        .where(col("pipeline").equalTo(pipeline).and(col("table").equalTo(table)).and(col("action").equalTo("optimize"))
            .and(col("status").equalTo(MaintenanceRecord.DONE)))
        .groupBy("partition").agg(org.apache.spark.sql.functions.max("recorded_at")).collectAsList()
        .forEach(r -> {
          Instant[] seen = out.get(r.getString(0));
          if (seen != null) {
            seen[1] = r.getTimestamp(1).toInstant();
          }
        }));
    return out;
  }

  /** The longest build attempt the ledger has on record, of any pipeline (zero if none). */
  public java.time.Duration longestBuild() {
    return read("builds").map(b -> b.agg(org.apache.spark.sql.functions.max("duration_ms")).head())
        .filter(r -> !r.isNullAt(0)).map(r -> java.time.Duration.ofMillis(r.getLong(0))).orElse(java.time.Duration.ZERO);
  }

  /** When a backfill was first planned, if it was. */
  public Optional<Instant> backfillPlannedAt(String id) {
    return read("backfills")
        .map(b -> b.where(col("backfill_id").equalTo(id)).agg(org.apache.spark.sql.functions.min("planned_at")).head())
        .filter(r -> !r.isNullAt(0))
        .map(r -> r.getTimestamp(0).toInstant());
  }

  /** Above this many files, a ledger table is compacted at the end of a run. */
  static final long COMPACT_ABOVE_FILES = 64;

  /** The ledger tables this ledger appended to: the only ones that can have gathered a file since it was made. */
  private final java.util.Set<String> appended = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Compacts every ledger table of more than one file; the paths compacted. */
  public List<String> compactAll() {
    List<String> compacted = new java.util.ArrayList<>();
    for (String table : TABLES) {
      if (DeltaTables.exists(spark, path(table)) && DeltaTables.fileCount(spark, path(table)).orElse(2L) > 1) {
        DeltaTable.forPath(spark, path(table)).optimize().executeCompaction();
        compacted.add(path(table));
      }
    }
    return compacted;
  }

  /**
   * Compacts the ledger tables this run appended to that have gathered many small files (every
   * record is an append of its own), so that reading the ledger stays as fast on day 365 as on day
   * 1. Compaction rewrites files without changing data, so it never conflicts with other runs'
   * appends. The file count is the one Delta's version checksum holds (written with each commit):
   * no job; a table whose latest version has no checksum is looked at by the next run that finds
   * one.
   */
  public void compact() {
    for (String table : TABLES) {
      if (!appended.contains(table)) {
        continue;
      }
      long files = DeltaTables.fileCount(spark, path(table)).orElse(0L);
      if (files > COMPACT_ABOVE_FILES) {
        DeltaTable.forPath(spark, path(table)).optimize().executeCompaction();
      }
    }
  }

  /** The rows of a ledger table, or empty if nothing was recorded yet. */
  public Optional<Dataset<Row>> read(String table) {
    // A ledger table whose log was lost or cannot be read is an error (exit 4), never an empty ledger.
    return dev.strata.jobs.io.DeltaTables.read(spark, path(table), null, null);
  }

  private Row runRow(
      String runId, String pipeline, RunRequest request, List<String> tables, List<Partition> partitions, String status,
      Integer exitCode, Instant started, Instant at) {
    List<String> dates = partitions.stream().map(Partition::toString).toList();
    return RowFactory.create(
        runId, pipeline, request.trigger(), seq(dates), status, exitCode,
        Timestamp.from(started), Timestamp.from(at), System.getProperty("user.name"), host(),
        request.layer().map(l -> l.key()).orElse(null), seq(tables), request.resumes(),
        request.scheduled() == null ? null : request.scheduled().job(),
        request.scheduled() == null ? null : Timestamp.from(request.scheduled().fire()));
  }

  private static scala.collection.Seq<String> seq(List<String> values) {
    return JavaConverters.asScalaBufferConverter(values).asScala().toSeq();
  }

  /** This machine's name, as runs and partition leases record who holds them. */
  public static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown";
    }
  }

  /** The first row of each window partition in the window's order: the latest row per key. */
  private static Dataset<Row> firstOf(Dataset<Row> rows, WindowSpec order) {
    return rows.withColumn("_n", row_number().over(order)).where(col("_n").equalTo(1)).drop("_n");
  }

  /** Per ledger table, the appends this ledger's callers make at once, committed together. */
  private final Map<String, dev.strata.jobs.io.GroupCommit<Row>> groups = new java.util.concurrent.ConcurrentHashMap<>();

  private void append(String table, StructType schema, List<Row> rows) {
    appended.add(table);
    groups.computeIfAbsent(table, t -> new dev.strata.jobs.io.GroupCommit<Row>(all -> {
      // mergeSchema: a ledger written by an older Strata gains the new columns instead of failing.
      dev.strata.jobs.io.DeltaTables.write(spark, path(t), () -> {
        spark.createDataFrame(all, schema).coalesce(1).write().format("delta").mode("append").option("mergeSchema", "true")
            .save(path(t));
        return null;
      });
    })).commit(rows);
  }
}

package dev.strata.jobs.maintain;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineDefinition.Retention;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PartitionLocks;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Partitions;
import dev.strata.jobs.io.Quarantine;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.MaintenanceRecord;
import dev.strata.jobs.ledger.RunRecord;
import io.delta.tables.DeltaTable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;

/**
 * {@code strata maintain}: what keeps a warehouse fast and bounded after months of daily runs.
 *
 * <ul>
 *   <li><b>optimize</b>: each partition published since its last compaction (the ledger says which)
 *       has its small files compacted ({@code OPTIMIZE ... WHERE partition}), clustered by the
 *       table's {@code zorder_by} columns if it declares them; under the partition's lease, so it
 *       never races a build of it: a partition another run holds is skipped, and compacted by the
 *       next maintenance. A table Delta does not partition (unpartitioned, or a history) is
 *       compacted whole once no run holds a lease on any of its partitions.
 *   <li><b>expire_quarantine</b>: quarantine partitions whose rows were all quarantined longer ago
 *       than {@code retention.quarantine}, deleted under the partition's lease.
 *   <li><b>vacuum</b>: each table and quarantine loses the files its log no longer names (replaced
 *       partitions, builds killed before their commit) once older than {@code retention.files},
 *       never less than the longest build the ledger has seen: a build writes its files before
 *       its commit names them, so no build in flight loses one, and time travel works as far back
 *       as the retention.
 *   <li><b>remove_staging</b>, <b>remove_report</b>: the staging folders (rows a gate blocked) and
 *       quality reports of this pipeline's runs older than {@code retention.staging} and {@code
 *       retention.reports}, by the run's start (its id); a run still running is left alone.
 *   <li><b>compact_ledger</b>: each ledger table in few files.
 * </ul>
 *
 * <p>Every action is recorded in the ledger ({@code _strata/ledger/maintenance}), a table's at once
 * when its actions are done. {@link #plan} only reads: a dry run prints it.
 */
public final class Maintenance {
  private static final String VACUUM_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled";
  private static final String LISTING = "spark.sql.sources.parallelPartitionDiscovery.parallelism";

  /** What maintenance does to one thing. */
  public enum Kind {
    OPTIMIZE("optimize"), EXPIRE_QUARANTINE("expire_quarantine"), VACUUM("vacuum"), REMOVE_STAGING("remove_staging"),
    REMOVE_REPORT("remove_report"), COMPACT_LEDGER("compact_ledger");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  /**
   * One planned action.
   *
   * @param kind what it does
   * @param table the table, or empty
   * @param partition the partition, or null (a whole table, a folder, the ledger)
   * @param target the path it is done to
   * @param found what planning found there, in words (e.g. "30 files, 1.2 MB")
   * @param zorderBy the columns an optimize clusters by, else empty
   * @param partitioned for an optimize or an expiry: whether the Delta table is partitioned (else it is done to the whole table)
   * @param files for an optimize: the files the partition holds (one or none: nothing to rewrite, only recorded)
   */
  public record Action(
      Kind kind, String table, Partition partition, String target, String found, List<String> zorderBy, boolean partitioned, long files) {
    Action(Kind kind, String table, Partition partition, String target, String found) {
      this(kind, table, partition, target, found, List.of(), false, -1);
    }

    /** The partition in words: its written form, or empty for a whole table. */
    public String partitionText() {
      return partition == null || partition.isWhole() ? "" : partition.toString();
    }
  }

  /**
   * What a maintenance will do.
   *
   * @param id the maintenance's id (of a run's form: leases it takes and the ledger name it)
   * @param actions in the order they run: per table its optimizes, quarantine expiries and
   *     vacuums, then staging, reports and the ledger
   * @param fileRetention the retention vacuum uses: the declared one, or the longest build if longer
   * @param longestBuild the longest build the ledger has seen
   */
  public record Plan(String id, List<Action> actions, Duration fileRetention, Duration longestBuild) {}

  /** How one action ended. */
  public record Outcome(Action action, String status, long filesRemoved, long filesAdded, long bytesRemoved, String message, Duration took) {
    public boolean failed() {
      return status.equals(MaintenanceRecord.FAILED);
    }
  }

  private final EngineContext ctx;
  private final Pipeline pipeline;
  private final Ledger ledger;
  private final SparkSession spark;
  private final Warehouse warehouse;

  public Maintenance(EngineContext ctx, Pipeline pipeline) {
    this.ctx = ctx;
    this.pipeline = pipeline;
    this.spark = ctx.spark();
    this.warehouse = ctx.warehouse();
    this.ledger = new Ledger(spark, warehouse);
  }

  /** The pipeline's retention settings. */
  public Retention retention() {
    return pipeline.definition().retention();
  }

  /** What a maintenance now would do; reads the ledger, the tables' logs and the warehouse's folders, writes nothing. */
  public Plan plan(String id) {
    List<String> checked = new ArrayList<>(ledger.paths());
    for (TableDefinition t : pipeline.tablesInOrder()) {
      checked.add(warehouse.tablePath(t.layer(), t.name()));
      checked.add(warehouse.quarantinePath(t.name()));
    }
    // A damaged table or ledger table is exit 4 before anything is touched, as for a run.
    DeltaTables.checkAll(spark, checked);
    Duration longest = ledger.longestBuild();
    Duration files = retention().files().compareTo(longest) >= 0 ? retention().files() : roundUpToHour(longest);
    Instant now = ctx.clock().instant();
    List<Action> actions = new ArrayList<>();
    String vacuumed = " files its log no longer names, older than " + Durations.format(files);
    for (TableDefinition t : pipeline.tablesInOrder()) {
      String path = warehouse.tablePath(t.layer(), t.name());
      boolean table = DeltaTables.exists(spark, path);
      if (table) {
        actions.addAll(optimizes(t, path));
      }
      String quarantine = warehouse.quarantinePath(t.name());
      boolean quarantined = DeltaTables.exists(spark, quarantine);
      if (quarantined) {
        actions.addAll(expiries(t, quarantine, now.minus(retention().quarantine())));
      }
      if (table) {
        actions.add(new Action(Kind.VACUUM, t.name(), null, path, "its" + vacuumed));
      }
      if (quarantined) {
        actions.add(new Action(Kind.VACUUM, t.name(), null, quarantine, "its quarantine's" + vacuumed));
      }
    }
    // Only this pipeline's runs: other pipelines' folders are theirs to keep, by their own retention.
    for (RunRecord r : ledger.runs(pipeline.name())) {
      Instant started = r.startedAt();
      String staging = warehouse.stagingRoot(r.runId());
      if (started.isBefore(now.minus(retention().staging())) && ctx.files().exists(staging)) {
        actions.add(new Action(Kind.REMOVE_STAGING, "", null, staging, "run " + r.runId() + ", started " + started));
      }
      String report = warehouse.reportDir(r.runId());
      if (started.isBefore(now.minus(retention().reports())) && ctx.files().exists(report)) {
        actions.add(new Action(Kind.REMOVE_REPORT, "", null, report, "run " + r.runId() + ", started " + started));
      }
    }
    actions.add(new Action(Kind.COMPACT_LEDGER, "", null, warehouse.root() + "/_strata/ledger", "the ledger's tables"));
    return new Plan(id, actions, files, longest);
  }

  /** The partitions of a table published since their last compaction, with the files each holds now. */
  private List<Action> optimizes(TableDefinition t, String path) {
    Map<String, Instant[]> published = ledger.publishedAndOptimized(pipeline.name(), t.name());
    List<String> due = published.entrySet().stream().filter(e -> e.getValue()[1] == null || e.getValue()[0].isAfter(e.getValue()[1]))
        .map(Map.Entry::getKey).toList();
    // By written form: a partition of another granularity than the table has now is left out (no predicate can name it).
    Map<String, Partition> partitions = new java.util.LinkedHashMap<>();
    for (String p : due) {
      try {
        partitions.put(p, Partition.parse(p));
      } catch (IllegalArgumentException e) {
        // left out
      }
    }
    if (due.isEmpty()) {
      return List.of();
    }
    // Delta's public API only: the table's partitioning from DESCRIBE DETAIL, each due partition's
    // files from the hidden _metadata column (row counts from the files' footers, no column read).
    Row detail = DeltaTable.forPath(spark, path).detail().select("partitionColumns", "numFiles", "sizeInBytes").head();
    List<String> partitionColumns = detail.getList(0);
    if (t.unpartitioned() || !partitionColumns.contains(t.partitionColumn())) {
      long n = detail.getLong(1);
      return List.of(new Action(Kind.OPTIMIZE, t.name(), Partition.whole(), path, describe(n, detail.getLong(2)), t.zorderBy(), false, n));
    }
    Dataset<Row> rows = spark.read().format("delta").load(path);
    DataType type = rows.schema().apply(t.partitionColumn()).dataType();
    Column wanted = lit(false);
    for (Partition p : partitions.values()) {
      wanted = wanted.or(Partitions.equalTo(Partitions.isDate(type), t.partitionColumn(), p));
    }
    Map<String, Row> byPartition = new java.util.HashMap<>();
    rows.where(wanted)
        .select(Partitions.writtenForm(type, t.partitionColumn(), t.granularity()).as("p"), col("_metadata.file_path").as("f"),
            col("_metadata.file_size").as("s"))
        .distinct()
        .groupBy("p").agg(count("*"), sum("s"))
        .collectAsList()
        .forEach(r -> byPartition.put(r.getString(0), r));
    List<Action> actions = new ArrayList<>();
    partitions.forEach((p, partition) -> {
      Row r = byPartition.get(p);
      long n = r == null ? 0 : r.getLong(1);
      actions.add(new Action(Kind.OPTIMIZE, t.name(), partition, path, describe(n, r == null ? 0 : r.getLong(2)), t.zorderBy(), true, n));
    });
    return actions;
  }

  /** Quarantine partitions whose rows were all quarantined before {@code cutoff}. */
  private List<Action> expiries(TableDefinition t, String path, Instant cutoff) {
    Dataset<Row> rows = DeltaTables.read(spark, path, null, null).orElseThrow();
    boolean partitioned = !t.unpartitioned() && List.of(rows.columns()).contains(t.partitionColumn());
    DataType type = partitioned ? rows.schema().apply(t.partitionColumn()).dataType() : null;
    Dataset<Row> grouped = partitioned
        ? rows.groupBy(Partitions.writtenForm(type, t.partitionColumn(), t.granularity()).as("p")).agg(max(Quarantine.QUARANTINED_AT), count("*"))
        : rows.agg(org.apache.spark.sql.functions.lit(Partition.ALL).as("p"), max(Quarantine.QUARANTINED_AT), count("*"));
    List<Action> actions = new ArrayList<>();
    for (Row r : grouped.collectAsList()) {
      if (r.isNullAt(1) || !r.getTimestamp(1).toInstant().isBefore(cutoff) || r.isNullAt(0)) {
        continue;
      }
      Partition partition;
      try {
        partition = Partition.parse(r.getString(0));
      } catch (IllegalArgumentException e) {
        continue;
      }
      actions.add(new Action(Kind.EXPIRE_QUARANTINE, t.name(), partition, path,
          String.format(java.util.Locale.ROOT, "%,d rows, last quarantined %s", r.getLong(2), r.getTimestamp(1).toInstant()), List.of(), partitioned, -1));
    }
    return actions;
  }

  private static Duration roundUpToHour(Duration d) {
    long hours = (d.toMillis() + 3_599_999) / 3_600_000;
    return Duration.ofHours(Math.max(1, hours));
  }

  private static String describe(long files, long bytes) {
    return String.format(java.util.Locale.ROOT, "%,d %s, %s", files, files == 1 ? "file" : "files", bytes(bytes));
  }

  /** Bytes in words. */
  private static String bytes(long bytes) {
    if (bytes < 0) {
      return "? bytes";
    }
    if (bytes < 1024 * 1024) {
      return String.format(java.util.Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
    return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
  }

  /**
   * Does what the plan says, one action at a time, recording each table's outcomes in the ledger
   * once its actions are done. Never throws for a failing action: its outcome says FAILED with
   * the reason, and the others still run.
   */
  public List<Outcome> run(Plan plan, java.util.function.Consumer<Outcome> each) {
    return run(plan, null, each);
  }

  /** {@link #run(Plan, java.util.function.Consumer)} as the interval of a scheduled job ({@code job: maintain}), which the ledger records. */
  public List<Outcome> run(Plan plan, dev.strata.jobs.run.RunRequest.Scheduled scheduled, java.util.function.Consumer<Outcome> each) {
    List<Outcome> outcomes = new ArrayList<>();
    List<Outcome> pending = new ArrayList<>();
    String current = null;
    try (PartitionLocks locks = new PartitionLocks(spark.sparkContext().hadoopConfiguration(), warehouse, pipeline.name(), plan.id(), ctx.clock())) {
      for (Action a : plan.actions()) {
        if (current != null && !current.equals(a.table())) {
          record(plan, scheduled, pending);
        }
        current = a.table();
        long start = System.nanoTime();
        Outcome o;
        try {
          o = execute(a, plan, locks, start);
        } catch (StrataException.LockedException e) {
          o = new Outcome(a, MaintenanceRecord.SKIPPED, 0, 0, 0, "under lease: " + Errors.rootMessage(e), since(start));
        } catch (RuntimeException e) {
          o = new Outcome(a, MaintenanceRecord.FAILED, -1, -1, -1, Errors.rootMessage(e), since(start));
        }
        outcomes.add(o);
        pending.add(o);
        each.accept(o);
      }
      record(plan, scheduled, pending);
    }
    return outcomes;
  }

  private void record(Plan plan, dev.strata.jobs.run.RunRequest.Scheduled scheduled, List<Outcome> pending) {
    Instant at = ctx.clock().instant();
    ledger.maintained(pending.stream().map(o -> new MaintenanceRecord(plan.id(), pipeline.name(), o.action().kind().key(), o.action().table(),
        o.action().partitionText(), o.action().target(), o.status(), o.filesRemoved(), o.filesAdded(), o.bytesRemoved(), o.message(),
        o.took().toMillis(), at, scheduled == null ? null : scheduled.job(), scheduled == null ? null : scheduled.fire())).toList());
    pending.clear();
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  private Outcome execute(Action a, Plan plan, PartitionLocks locks, long start) {
    return switch (a.kind()) {
      case OPTIMIZE -> underLease(a, locks, () -> optimize(a, start));
      case EXPIRE_QUARANTINE -> underLease(a, locks, () -> expire(a, start));
      case VACUUM -> vacuum(a, plan.fileRetention(), start);
      case REMOVE_STAGING, REMOVE_REPORT -> {
        ctx.files().delete(a.target());
        yield new Outcome(a, MaintenanceRecord.DONE, -1, 0, -1, "removed (" + a.found() + ")", since(start));
      }
      case COMPACT_LEDGER -> {
        List<String> compacted = ledger.compactAll();
        yield new Outcome(a, MaintenanceRecord.DONE, -1, compacted.size(), -1,
            compacted.isEmpty() ? "every ledger table already in one file" : "compacted " + compacted.size() + " ledger tables", since(start));
      }
    };
  }

  /**
   * Runs an action under the lease of its partition (every partition's, for a whole table):
   * skipped if another run holds one, so that maintenance never races a build.
   */
  private Outcome underLease(Action a, PartitionLocks locks, java.util.function.Supplier<Outcome> action) {
    Partition lease = a.partitioned() ? a.partition() : Partition.whole();
    if (!a.partitioned()) {
      List<PartitionLocks.Holder> held = locks.heldOn(a.table());
      if (!held.isEmpty()) {
        throw Errors.partitionLocked(a.table(), lease, held.get(0).describe(), Duration.ZERO, warehouse.locksRoot(pipeline.name()) + "/" + a.table());
      }
    }
    locks.acquire(a.table(), lease, Duration.ZERO);
    try {
      return action.get();
    } finally {
      locks.release(a.table(), lease);
    }
  }

  /** Whether an optimize rewrites anything: several files, or one to cluster. */
  public static boolean rewrites(Action a) {
    return a.files() > 1 || (a.files() == 1 && !a.zorderBy().isEmpty());
  }

  private Outcome optimize(Action a, long start) {
    if (!rewrites(a)) {
      // Recorded all the same: the partition is compacted as of now, and not looked at again until it is published again.
      return new Outcome(a, MaintenanceRecord.DONE, 0, 0, 0, a.found() + ": nothing to compact", since(start));
    }
    var builder = DeltaTable.forPath(spark, a.target()).optimize();
    if (a.partitioned()) {
      Dataset<Row> sample = spark.read().format("delta").load(a.target());
      builder = builder.where(Partitions.predicate(Partitions.isDate(sample.schema().apply(partitionColumn(a)).dataType()), partitionColumn(a), a.partition()));
    }
    Dataset<Row> result = a.zorderBy().isEmpty()
        ? builder.executeCompaction()
        : builder.executeZOrderBy(a.zorderBy().toArray(String[]::new));
    Row m = result.selectExpr("metrics.numFilesRemoved", "metrics.numFilesAdded", "metrics.filesRemoved.totalSize").head();
    long removed = m.getLong(0);
    long added = m.getLong(1);
    String message = removed == 0 ? a.found() + ": nothing to compact"
        : a.found() + " -> " + added + (added == 1 ? " file" : " files") + (a.zorderBy().isEmpty() ? "" : ", clustered by " + a.zorderBy());
    return new Outcome(a, MaintenanceRecord.DONE, removed, added, m.isNullAt(2) ? -1 : m.getLong(2), message, since(start));
  }

  private String partitionColumn(Action a) {
    return pipeline.table(a.table()).partitionColumn();
  }

  private Outcome expire(Action a, long start) {
    DeltaTable table = DeltaTable.forPath(spark, a.target());
    if (a.partitioned()) {
      table.delete(Partitions.equalTo(table.toDF().schema(), partitionColumn(a), a.partition()));
    } else {
      table.delete();
    }
    Row h = table.history(1).selectExpr("operationMetrics['numRemovedFiles']", "operationMetrics['numDeletedRows']").head();
    long files = h.isNullAt(0) ? -1 : Long.parseLong(h.getString(0));
    return new Outcome(a, MaintenanceRecord.DONE, files, 0, -1, "deleted " + a.found(), since(start));
  }

  private Outcome vacuum(Action a, Duration retention, long start) {
    double hours = retention.toMillis() / 3_600_000.0;
    String check = spark.conf().get(VACUUM_CHECK, "true");
    // Below Delta's own 7 days, Delta asks for its check to be turned off: the retention declared
    // (never below the longest build) is the decision it asks for.
    boolean below = retention.compareTo(Retention.DELTA_DEFAULT) < 0;
    if (below) {
      spark.conf().set(VACUUM_CHECK, "false");
    }
    // VACUUM lists the table's folders with Spark's file-listing parallelism, 10,000 tasks unless
    // set: 45 s for a table of a few files on 2 cores. A few tasks per core, unless configured.
    boolean listing = !spark.conf().contains(LISTING);
    if (listing) {
      spark.conf().set(LISTING, String.valueOf(Math.max(8, spark.sparkContext().defaultParallelism() * 4)));
    }
    try {
      long removed = spark.sql("VACUUM delta.`" + a.target().replace("`", "``") + "` RETAIN " + hours + " HOURS DRY RUN").count();
      if (removed > 0) {
        DeltaTable.forPath(spark, a.target()).vacuum(hours);
      }
      return new Outcome(a, MaintenanceRecord.DONE, removed, 0, -1,
          removed == 0 ? "nothing older than " + Durations.format(retention) + " to remove" : "removed " + removed + " files older than "
              + Durations.format(retention), since(start));
    } finally {
      if (below) {
        spark.conf().set(VACUUM_CHECK, check);
      }
      if (listing) {
        spark.conf().unset(LISTING);
      }
    }
  }
}

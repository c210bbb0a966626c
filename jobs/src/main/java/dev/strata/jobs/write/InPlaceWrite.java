package dev.strata.jobs.write;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.GroupCommit;
import dev.strata.jobs.io.Partitions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.NoMapping$;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.SnapshotDescriptor;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.actions.Metadata;
import org.apache.spark.sql.delta.actions.Protocol;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * A partition written straight into the table's own folder through an open Delta transaction
 * ({@code OptimisticTransaction.writeFiles}): data files no reader sees, since the log does not
 * name them. Committing commits those same files with the removal of the partition's old ones;
 * nothing is copied (write-audit-publish without a copy). Aborting deletes them.
 *
 * <p>The table's first partition and new columns are written the same way: the transaction carries
 * the table's metadata (created, or widened by the new columns) into the one commit that publishes
 * the rows. A first write marks the folder ({@link DeltaTables#FIRST_WRITE_MARKER}) before its
 * files, so that files left by a write that never committed are not taken for a table that lost
 * its log.
 *
 * <p>What a build needs to know of the rows (their count, rows of another partition, the caller's
 * aggregates) is observed ({@link Dataset#observe}) while they are written: no pass of its own.
 *
 * <p>This is the one class that uses Delta's internal API (its transaction, actions and
 * operations): they change between Delta releases without notice, and everything else in Strata
 * uses Delta's public API. The architecture test holds it to that.
 */
public final class InPlaceWrite extends PartitionWrite {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InPlaceWrite.class);
  private final SparkSession spark;
  private final OptimisticTransaction txn;
  private final List<AddFile> adds;
  private final boolean creating;
  /** Whether the commit widens the table's schema (new columns): such a commit, like a first one, is made alone. */
  private final boolean widens;
  private final Map<String, Row> observed;
  /** What the commit that published these files committed, once it has. */
  private DeltaTables.Commit committed;
  /** Why this write's own commit failed, when the commit of its group was refused and it was committed alone. */
  private RuntimeException failure;

  /**
   * Per table, the commits of partitions written in place that are made at once (the partitions
   * one run builds side by side), grouped into as few Delta commits as possible.
   */
  private static final Map<String, GroupCommit<InPlaceWrite>> COMMITS = new java.util.concurrent.ConcurrentHashMap<>();

  private InPlaceWrite(
      SparkSession spark, WriteTarget target, OptimisticTransaction txn, List<AddFile> adds, boolean creating, boolean widens,
      Dataset<Row> rows, Staging.Measured measured, Map<String, Row> observed) {
    super(target, rows, measured.count(), measured.aggregates());
    this.spark = spark;
    this.txn = txn;
    this.adds = adds;
    this.creating = creating;
    this.widens = widens;
    this.observed = observed;
  }

  /**
   * Writes a table's new rows for one partition into the table's folder, unpublished, and
   * observes {@code aggregates} over them as they are written; empty when that cannot be done (then
   * stage them instead): the table's schema or partitioning differs from the rows' other than by
   * columns it may take ({@link WriteTarget#mergeSchema}), it uses column mapping, the rows have
   * a column of no type (Delta drops those), or another write of this JVM is creating the table.
   *
   * @throws dev.strata.api.StrataException.JobFailedException as {@link StagedWrite#stage} does;
   *     the files written are deleted first
   */
  public static Optional<InPlaceWrite> stage(SparkSession spark, WriteTarget target, Dataset<Row> rows, List<Column> aggregates) {
    boolean dateTyped = Staging.dateTyped(target, rows);
    if (hasNullType(rows.schema())) {
      return Optional.empty();
    }
    DeltaLog log = DeltaLog.forTable(spark, target.path());
    OptimisticTransaction txn = log.startTransaction();
    boolean creating = txn.readVersion() < 0;
    boolean widens = false;
    if (creating) {
      if (!DeltaTables.claimCreation(target.path())) {
        return Optional.empty();
      }
      try {
        Metadata m = txn.metadata();
        txn.updateMetadata(
            m.copy(m.id(), m.name(), m.description(), m.format(), rows.schema().asNullable().json(),
                JavaConverters.asScalaBuffer(partitionColumns(target)).toSeq(), configuration(m, target.createWith()),
                Option.apply((Object) System.currentTimeMillis())),
            false);
        mark(spark, target.path());
      } catch (RuntimeException e) {
        DeltaTables.releaseCreation(target.path());
        throw e;
      }
    } else if (!writableInPlace(txn.metadata(), rows.schema(), partitionColumns(target))) {
      Optional<StructType> widened = target.mergeSchema() ? widened(txn.metadata(), rows.schema(), partitionColumns(target)) : Optional.empty();
      if (widened.isEmpty()) {
        return Optional.empty();
      }
      Metadata m = txn.metadata();
      txn.updateMetadata(
          m.copy(m.id(), m.name(), m.description(), m.format(), widened.get().json(), m.partitionColumns(), m.configuration(), m.createdTime()),
          false);
      widens = true;
    }
    String name = "strata-write-" + UUID.randomUUID();
    List<Column> observing = Staging.observing(target, dateTyped, aggregates);
    Dataset<Row> observedRows = rows.observe(name, observing.get(0), observing.subList(1, observing.size()).toArray(Column[]::new));
    List<AddFile> adds = new ArrayList<>();
    try {
      for (FileAction a : JavaConverters.seqAsJavaList(txn.writeFiles(observedRows))) {
        if (a instanceof AddFile add) {
          adds.add(add);
        }
      }
      // The metrics of every observation in the plan written (the caller's too): Delta wrote the
      // rows through this Dataset's own query execution, whose plan holds them once it has run.
      Map<String, Row> observed = new HashMap<>(JavaConverters.mapAsJavaMap(observedRows.queryExecution().observedMetrics()));
      Row own = observed.get(name);
      if (own == null) {
        throw new IllegalStateException("the write of " + target.table() + " " + target.partition() + " observed nothing");
      }
      Staging.Measured measured = Staging.measured(own, target, aggregates.size());
      // Delta records each file's rows in its stats (unless statistics are off): they must add up to what was observed.
      long recorded = adds.stream().mapToLong(a -> a.numLogicalRecords().isDefined() ? (Long) a.numLogicalRecords().get() : -1).sum();
      if (adds.stream().allMatch(a -> a.numLogicalRecords().isDefined()) && recorded != measured.count()) {
        throw new IllegalStateException("the write of " + target.table() + " " + target.partition() + " observed " + measured.count()
            + " rows but its files hold " + recorded);
      }
      // The rows as the table will hold them: the written files, read through the metadata they are committed with.
      Dataset<Row> written =
          log.createDataFrame(new Pending(log, txn.readVersion(), txn.metadata(), txn.protocol()), JavaConverters.asScalaBuffer(adds).toSeq(),
                  false, Option.empty())
              .select(Arrays.stream(rows.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new));
      return Optional.of(new InPlaceWrite(spark, target, txn, adds, creating, widens, written, measured, observed));
    } catch (RuntimeException e) {
      deleteFiles(spark, target.path(), adds, creating);
      throw e;
    }
  }

  /**
   * What the observations upstream of the written rows measured in the write's pass (the caller's
   * {@code Dataset.observe(name, ...)}), by name; empty if the plan written did not run one.
   */
  public Optional<Row> observed(String name) {
    return Optional.ofNullable(observed.get(name));
  }

  /** The table as the transaction will commit it: its metadata and protocol, new or widened ones included. */
  private record Pending(DeltaLog deltaLog, long version, Metadata metadata, Protocol protocol) implements SnapshotDescriptor {
    @Override
    public Option<Object> numOfFilesIfKnown() {
      return Option.empty();
    }

    @Override
    public Option<Object> sizeInBytesIfKnown() {
      return Option.empty();
    }
  }

  /** The new table's properties: Delta's defaults for a new table and the target's. */
  private static scala.collection.immutable.Map<String, String> configuration(Metadata m, Map<String, String> createWith) {
    scala.collection.immutable.Map<String, String> conf = m.configuration();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(createWith).entrySet()) {
      conf = conf.$plus(new scala.Tuple2<>(e.getKey(), e.getValue()));
    }
    return conf;
  }

  private static boolean hasNullType(DataType type) {
    if (type instanceof StructType st) {
      return Arrays.stream(st.fields()).anyMatch(f -> hasNullType(f.dataType()));
    }
    if (type instanceof ArrayType at) {
      return hasNullType(at.elementType());
    }
    if (type instanceof MapType mt) {
      return hasNullType(mt.keyType()) || hasNullType(mt.valueType());
    }
    return type instanceof NullType;
  }

  /**
   * The table's schema with the rows' new columns after its own, if the rows have every column of
   * the table with its type (nullability aside) and the same partitioning; empty otherwise.
   */
  static Optional<StructType> widened(Metadata metadata, StructType schema, List<String> partitionColumns) {
    if (!JavaConverters.seqAsJavaList(metadata.partitionColumns()).equals(partitionColumns)
        || !(metadata.columnMappingMode() instanceof NoMapping$)) {
      return Optional.empty();
    }
    StructType tableSchema = metadata.schema();
    StructType result = tableSchema;
    for (StructField f : tableSchema.fields()) {
      Option<Object> index = schema.getFieldIndex(f.name());
      if (index.isEmpty() || !sameType(f.dataType(), schema.fields()[(Integer) index.get()].dataType())) {
        return Optional.empty();
      }
    }
    for (StructField f : schema.fields()) {
      if (tableSchema.getFieldIndex(f.name()).isEmpty()) {
        result = result.add(f.name(), f.dataType().asNullable(), true);
      }
    }
    return Optional.of(result);
  }

  /** The table's partition columns: its partition column, none if it is unpartitioned. */
  private static List<String> partitionColumns(WriteTarget target) {
    return target.partition().isWhole() ? List.of() : List.of(target.partitionColumn());
  }

  /** Marks a table's folder as being created by a write into it ({@link DeltaTables#FIRST_WRITE_MARKER}). */
  private static void mark(SparkSession spark, String tablePath) {
    Path marker = new Path(tablePath, DeltaTables.FIRST_WRITE_MARKER);
    try {
      FileSystem fs = marker.getFileSystem(spark.sessionState().newHadoopConf());
      try (var out = fs.create(marker, true)) {
        out.write("a first write into this folder; its files are not part of a table until its Delta log has a version\n"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot mark " + tablePath + " as being created", e);
    }
  }

  /**
   * Whether rows of {@code schema} can be written straight into a table with this metadata: the
   * same columns with the same types (nullability aside), partitioned by {@code partitionColumns}
   * (the partition column, or none for an unpartitioned table), with physical column names (no
   * column mapping).
   */
  static boolean writableInPlace(Metadata metadata, StructType schema, List<String> partitionColumns) {
    if (!JavaConverters.seqAsJavaList(metadata.partitionColumns()).equals(partitionColumns)
        || !(metadata.columnMappingMode() instanceof NoMapping$)) {
      return false;
    }
    StructType tableSchema = metadata.schema();
    if (tableSchema.fields().length != schema.fields().length) {
      return false;
    }
    for (StructField f : schema.fields()) {
      Option<Object> index = tableSchema.getFieldIndex(f.name());
      if (index.isEmpty() || !sameType(tableSchema.fields()[(Integer) index.get()].dataType(), f.dataType())) {
        return false;
      }
    }
    return true;
  }

  /** Equal types, nullability aside (a table's column may be nullable where a transform's is not). */
  private static boolean sameType(DataType a, DataType b) {
    if (a instanceof StructType sa && b instanceof StructType sb) {
      if (sa.fields().length != sb.fields().length) {
        return false;
      }
      for (int i = 0; i < sa.fields().length; i++) {
        if (!sa.fields()[i].name().equals(sb.fields()[i].name()) || !sameType(sa.fields()[i].dataType(), sb.fields()[i].dataType())) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof ArrayType aa && b instanceof ArrayType ab) {
      return sameType(aa.elementType(), ab.elementType());
    }
    if (a instanceof MapType ma && b instanceof MapType mb) {
      return sameType(ma.keyType(), mb.keyType()) && sameType(ma.valueType(), mb.valueType());
    }
    return a.equals(b);
  }

  /**
   * Commits the files written into the table with the removal of the partition's current files:
   * what a {@code replaceWhere} overwrite on the partition commits, and recorded as one (a WRITE in
   * Overwrite mode with the partition's predicate). The transaction has read the partition, so a
   * concurrent commit adding files to it fails this one rather than being silently replaced.
   */
  @Override
  DeltaTables.Commit publish() {
    if (creating || widens || target.partition().isWhole()) {
      // The table's first commit, new columns, or every file replaced: a commit of its own.
      publishTogether(List.of(this));
    } else {
      // Partitions of the same table published at once (a run builds them side by side): their
      // replacements in as few commits as possible, each still its partition's own replacement.
      COMMITS.computeIfAbsent(target.path(), p -> new GroupCommit<>(InPlaceWrite::publishTogether)).commit(List.of(this));
      if (failure != null) {
        throw failure;
      }
    }
    return committed;
  }

  /**
   * Commits the writes, all to one table, in one Delta commit: each write's files, with the removal
   * of its partition's current ones; recorded as one overwrite whose predicate is the partitions'.
   * No commit made since a write began that touched its partition is silently replaced: Delta
   * refuses the group's commit, and the writes are then committed one by one, each through its own
   * transaction, so that such a conflict fails that partition's build only, as it would have alone.
   */
  static void publishTogether(List<InPlaceWrite> writes) {
    if (writes.size() > 1) {
      // A transaction of the group's own, as of the oldest snapshot any of the writes began from
      // (whose state a reader of that version has often left cached): its conflict check covers
      // every commit since any of them began. The writes' own transactions are left untried, for
      // the fallback below. (A transaction on the newest snapshot instead, trusting this process's
      // own commits in between, measured slower: its state is rebuilt for each group.)
      InPlaceWrite oldest = writes.stream().min(java.util.Comparator.comparingLong(w -> w.txn.readVersion())).orElseThrow();
      OptimisticTransaction together = DeltaLog.forTable(oldest.spark, oldest.target.path())
          .startTransaction(Option.empty(), Option.apply(oldest.txn.snapshot()));
      try {
        commitAll(together, writes);
        return;
      } catch (org.apache.spark.sql.delta.DeltaConcurrentModificationException e) {
        LOG.info("Delta refused the commit of {} partitions of {} together ({}); committing them one by one", writes.size(),
            writes.get(0).target.table(), e.getClass().getSimpleName());
      }
      for (InPlaceWrite w : writes) {
        try {
          commitAll(w.txn, List.of(w));
        } catch (RuntimeException e) {
          // This write's own outcome, which its caller throws (publish): the others' commits stand.
          w.failure = e;
        }
      }
      return;
    }
    InPlaceWrite w = writes.get(0);
    try {
      commitAll(w.txn, writes);
    } finally {
      if (w.creating) {
        DeltaTables.releaseCreation(w.target.path());
      }
    }
    if (w.creating) {
      unmark(w.spark, w.target.path());
    }
  }

  /** What {@link #publishTogether} did with this write: its commit, or (empty) the failure it threw for it. */
  Optional<DeltaTables.Commit> committedTogether() {
    return failure == null ? Optional.ofNullable(committed) : Optional.empty();
  }

  private static void commitAll(OptimisticTransaction txn, List<InPlaceWrite> writes) {
    InPlaceWrite lead = writes.get(0);
    List<Action> actions = new ArrayList<>();
    List<String> predicates = new ArrayList<>();
    List<String> commitNotes = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (InPlaceWrite w : writes) {
      // An unpartitioned table: every file is replaced, as an overwrite without a predicate does.
      String predicate = w.target.partition().isWhole() ? null : Partitions.predicate(w.dateTyped(), w.target.partitionColumn(), w.target.partition());
      Seq<Expression> partitionOnly = JavaConverters.asScalaBuffer(
          predicate == null ? List.<Expression>of() : List.of(expr(predicate).expr())).toSeq();
      actions.addAll(w.adds);
      for (AddFile old : JavaConverters.seqAsJavaList(txn.filterFiles(partitionOnly, false))) {
        actions.add(old.removeWithTimestamp(now, true));
      }
      if (predicate != null) {
        predicates.add(writes.size() == 1 ? predicate : "(" + predicate + ")");
      }
      String note = w.spark.conf().get(DeltaTables.COMMIT_USER_METADATA, "");
      if (!note.isEmpty()) {
        commitNotes.add(note);
      }
    }
    String predicate = predicates.isEmpty() ? null : String.join(" OR ", predicates);
    String userMetadata = String.join("; ", commitNotes);
    DeltaOperations.Write operation =
        new DeltaOperations.Write(
            SaveMode.Overwrite,
            predicate == null ? Option.empty() : Option.apply(JavaConverters.asScalaBuffer(partitionColumns(lead.target)).toSeq()),
            Option.apply(predicate), userMetadata.isEmpty() ? Option.empty() : Option.apply(userMetadata));
    long version = txn.commit(JavaConverters.asScalaBuffer(actions).toSeq(), operation);
    for (InPlaceWrite w : writes) {
      w.committed = new DeltaTables.Commit(version, w.adds.size(), w.adds.stream().mapToLong(AddFile::size).sum());
    }
  }

  @Override
  void discard(String keepAt) {
    try {
      if (keepAt != null) {
        rows().write().mode("overwrite").parquet(keepAt);
      }
    } finally {
      deleteFiles(spark, target.path(), adds, creating);
    }
  }

  /** The marker of a first write, once its commit landed (a marker left behind is harmless: the log decides). */
  private static void unmark(SparkSession spark, String tablePath) {
    Path marker = new Path(tablePath, DeltaTables.FIRST_WRITE_MARKER);
    try {
      marker.getFileSystem(spark.sessionState().newHadoopConf()).delete(marker, false);
    } catch (java.io.IOException | RuntimeException e) {
      // Best effort: with a version in the log the folder is a table whatever else it holds.
    }
  }

  /**
   * Deletes files written into a table and never committed, and the partition folders they leave
   * empty; for a first write also its marker and the table's folder, so that nothing is left where
   * there was nothing.
   */
  private static void deleteFiles(SparkSession spark, String tablePath, List<AddFile> adds, boolean creating) {
    try {
      deleteFiles(spark, tablePath, adds);
      if (creating) {
        Path root = new Path(tablePath);
        FileSystem fs = root.getFileSystem(spark.sessionState().newHadoopConf());
        fs.delete(new Path(root, DeltaTables.FIRST_WRITE_MARKER), false);
        if (fs.exists(root) && fs.listStatus(root).length == 0) {
          fs.delete(root, false);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot delete the unpublished files of " + tablePath, e);
    } finally {
      if (creating) {
        DeltaTables.releaseCreation(tablePath);
      }
    }
  }

  /** Deletes files written into a table and never committed, and the partition folders they leave empty. */
  private static void deleteFiles(SparkSession spark, String tablePath, List<AddFile> adds) {
    org.apache.hadoop.conf.Configuration conf = spark.sessionState().newHadoopConf();
    Path root = new Path(tablePath);
    java.util.Set<Path> folders = new java.util.LinkedHashSet<>();
    try {
      FileSystem fs = root.getFileSystem(conf);
      for (AddFile add : adds) {
        Path file = new Path(root, new Path(add.pathAsUri()));
        fs.delete(file, false);
        folders.add(file.getParent());
      }
      for (Path folder : folders) {
        if (!folder.equals(root) && fs.exists(folder) && fs.listStatus(folder).length == 0) {
          fs.delete(folder, false);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot delete the unpublished files of " + tablePath, e);
    }
  }
}

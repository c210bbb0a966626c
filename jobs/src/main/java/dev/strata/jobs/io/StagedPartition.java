package dev.strata.jobs.io;


import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.strata.jobs.Errors;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.NoMapping$;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.actions.Metadata;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * One partition of a table, written but not yet published: write-audit-publish.
 *
 * <p>The new rows are written once, before the gate, so that the gate checks exactly the rows that
 * will be published (a transform is computed once, not once for the check and again for the
 * write). {@link #commit} then replaces the table's partition with them in one Delta commit:
 * readers see either all the old rows or all the new ones, and other partitions are untouched.
 *
 * <p>Where the rows go first depends on the table:
 *
 * <ul>
 *   <li>{@link #stageInTable} writes them into the table's own folder through an open Delta
 *       transaction ({@code OptimisticTransaction.writeFiles}): data files no reader sees, since
 *       the log does not name them. Publishing commits those same files with the removal of the
 *       partition's old ones; nothing is copied. A blocked or failed build deletes them ({@link
 *       #abandon}). This is the path of every table that exists and whose schema the rows match.
 *   <li>{@link #stage} writes them to a staging folder as Parquet, and publishing copies them into
 *       the table: for a table's first partition, a schema change (a bronze table whose source
 *       gained a column), and rows that still carry their row-level rule results (the quarantine
 *       split publishes a subset of them).
 * </ul>
 */
public final class StagedPartition {
  private final SparkSession spark;
  private final String table;
  private final String partitionColumn;
  private final LocalDate partition;
  private final Dataset<Row> rows;
  private final boolean dateTyped;
  /** Set when the rows were written into the table's folder; null when staged as Parquet. */
  private final InTable inTable;
  private long count = -1;
  private Row aggregates;

  /** Files an open transaction wrote into the table's folder, and whether a commit of them was tried. */
  private static final class InTable {
    final String tablePath;
    final OptimisticTransaction txn;
    final List<AddFile> adds;
    boolean commitTried;
    boolean abandoned;

    InTable(String tablePath, OptimisticTransaction txn, List<AddFile> adds) {
      this.tablePath = tablePath;
      this.txn = txn;
      this.adds = adds;
    }
  }

  private StagedPartition(
      SparkSession spark, String table, String partitionColumn, LocalDate partition, boolean dateTyped, Dataset<Row> rows,
      InTable inTable) {
    this.spark = spark;
    this.table = table;
    this.partitionColumn = partitionColumn;
    this.partition = partition;
    this.dateTyped = dateTyped;
    this.rows = rows;
    this.inTable = inTable;
  }

  /**
   * The same partition, publishing a subset of the staged rows (e.g. those no row-level rule
   * rejected). Only for rows staged as Parquet: files written into the table are published whole.
   */
  public StagedPartition withRows(Dataset<Row> subset) {
    if (inTable != null) {
      throw new IllegalStateException("rows staged in the table of " + table + " are published whole");
    }
    return new StagedPartition(spark, table, partitionColumn, partition, dateTyped, subset, null);
  }

  /** How many rows were staged; -1 for a subset made with {@link #withRows}. */
  public long rowCount() {
    return count;
  }

  /** True if the partition column is DATE, false if it is ISO text. */
  public boolean dateTyped() {
    return dateTyped;
  }

  /** True if the rows were written into the table's folder (publishing copies nothing). */
  public boolean inTable() {
    return inTable != null;
  }

  /**
   * Writes a table's new rows for one partition to staging.
   *
   * @throws dev.strata.jobs.StrataException.JobFailedException if the rows lack the partition
   *     column, it is neither DATE nor STRING, or a row belongs to another partition
   */
  public static StagedPartition stage(
      SparkSession spark, String table, Dataset<Row> rows, String partitionColumn, LocalDate partition, String stagingPath) {
    return stage(spark, table, rows, partitionColumn, partition, stagingPath, List.of());
  }

  /**
   * Stages like {@link #stage(SparkSession, String, Dataset, String, LocalDate, String)}, and
   * computes {@code aggregates} over the staged rows in the same pass that counts them (see {@link
   * #aggregates()}): whatever a build needs to know of its rows costs no scan of its own.
   */
  public static StagedPartition stage(
      SparkSession spark, String table, Dataset<Row> rows, String partitionColumn, LocalDate partition, String stagingPath,
      List<Column> aggregates) {
    boolean dateTyped = dateTyped(table, rows, partitionColumn);
    rows.write().mode("overwrite").parquet(stagingPath);
    StagedPartition staged =
        new StagedPartition(spark, table, partitionColumn, partition, dateTyped, spark.read().parquet(stagingPath), null);
    staged.measure(aggregates);
    return staged;
  }

  /**
   * Writes a table's new rows for one partition into the table's own folder, unpublished (see the
   * class comment), and measures them like {@link #stage}. Falls back to {@link #stage} at {@code
   * stagingPath} when the table does not exist yet or its schema or partitioning differs from the
   * rows'.
   *
   * @throws dev.strata.jobs.StrataException.JobFailedException as {@link #stage} does; the files
   *     written are deleted first
   */
  public static StagedPartition stageInTable(
      SparkSession spark, String table, Dataset<Row> rows, String partitionColumn, LocalDate partition, String tablePath,
      String stagingPath, List<Column> aggregates) {
    boolean dateTyped = dateTyped(table, rows, partitionColumn);
    DeltaLog log = DeltaLog.forTable(spark, tablePath);
    OptimisticTransaction txn = log.startTransaction();
    if (txn.readVersion() < 0 || !writableInPlace(txn.metadata(), rows.schema(), partitionColumn)) {
      return stage(spark, table, rows, partitionColumn, partition, stagingPath, aggregates);
    }
    List<AddFile> adds = new ArrayList<>();
    for (FileAction a : JavaConverters.seqAsJavaList(txn.writeFiles(rows))) {
      if (a instanceof AddFile add) {
        adds.add(add);
      }
    }
    InTable written = new InTable(tablePath, txn, adds);
    try {
      // The rows as the table will hold them: the written files, read through the table's metadata.
      Dataset<Row> staged =
          log.createDataFrame(txn.snapshot(), JavaConverters.asScalaBuffer(adds).toSeq(), false, Option.empty())
              .select(Arrays.stream(rows.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new));
      StagedPartition result = new StagedPartition(spark, table, partitionColumn, partition, dateTyped, staged, written);
      result.measure(aggregates);
      return result;
    } catch (RuntimeException e) {
      deleteFiles(spark, written);
      throw e;
    }
  }

  /**
   * Whether rows of {@code schema} can be written straight into a table with this metadata: the
   * same columns with the same types (nullability aside), partitioned by {@code partitionColumn}
   * alone, with physical column names (no column mapping).
   */
  static boolean writableInPlace(Metadata metadata, StructType schema, String partitionColumn) {
    if (!JavaConverters.seqAsJavaList(metadata.partitionColumns()).equals(List.of(partitionColumn))
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

  private static boolean dateTyped(String table, Dataset<Row> rows, String partitionColumn) {
    StructField field;
    try {
      field = rows.schema().apply(partitionColumn);
    } catch (IllegalArgumentException e) {
      throw Errors.badPartitionColumn(table, partitionColumn, "is not among its columns " + Arrays.toString(rows.columns()));
    }
    DataType type = field.dataType();
    if (!Partitions.isDate(type) && !type.equals(DataTypes.StringType)) {
      throw Errors.badPartitionColumn(table, partitionColumn, "has type " + type.simpleString());
    }
    return Partitions.isDate(type);
  }

  /** One pass for every number: how many rows, how many belong to another partition, and the caller's. */
  private void measure(List<Column> extra) {
    Column outsideRow = inPartition().isNull().or(not(inPartition()));
    List<Column> all = new ArrayList<>(List.of(count(lit(1)), sum(when(outsideRow, 1).otherwise(0))));
    all.addAll(extra);
    Row counts = rows.select(all.toArray(Column[]::new)).head();
    long outside = counts.isNullAt(1) ? 0 : counts.getLong(1);
    if (outside > 0) {
      throw Errors.partitionMismatch(table, partition, partitionColumn, outside);
    }
    count = counts.getLong(0);
    Object[] values = new Object[extra.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = counts.get(i + 2);
    }
    aggregates = RowFactory.create(values);
  }

  /** The values of the aggregates {@link #stage} was given, in their order; an empty row for a subset. */
  public Row aggregates() {
    return aggregates == null ? RowFactory.create() : aggregates;
  }

  /** The staged rows: what the gate checks and what {@link #commit} publishes. */
  public Dataset<Row> rows() {
    return rows;
  }

  /** The predicate selecting this partition, built from the parsed date, never from raw text. */
  public String predicate() {
    return Partitions.predicate(dateTyped, partitionColumn, partition);
  }

  private Column inPartition() {
    return Partitions.equalTo(dateTyped, partitionColumn, partition);
  }

  /**
   * Replaces the partition of the Delta table at {@code tablePath} with the staged rows, in one
   * atomic commit; creates the table, partitioned by the partition column, on first publish.
   *
   * @param mergeSchema add the staged rows' new columns to the table's schema (a bronze table
   *     ingesting a source whose files gained a column); otherwise a schema change fails the commit
   * @return the commit that holds the new rows
   */
  public DeltaTables.Commit commit(String tablePath, boolean mergeSchema) {
    if (inTable != null) {
      return commitInTable();
    }
    return DeltaTables.write(spark, tablePath, () -> {
      rows.write()
          .format("delta")
          .mode("overwrite")
          .option("mergeSchema", String.valueOf(mergeSchema))
          .option("replaceWhere", predicate())
          .partitionBy(partitionColumn)
          .save(tablePath);
      return DeltaTables.committed(spark, tablePath);
    });
  }

  /**
   * Commits the files written into the table with the removal of the partition's current files:
   * what a {@code replaceWhere} overwrite on the partition commits, and recorded as one (a WRITE
   * in Overwrite mode with the partition's predicate). The transaction has read the partition, so
   * a concurrent commit adding files to it fails this one rather than being silently replaced.
   */
  private DeltaTables.Commit commitInTable() {
    if (inTable.commitTried || inTable.abandoned) {
      throw new IllegalStateException("the rows staged in the table of " + table + " were already committed or abandoned");
    }
    inTable.commitTried = true;
    OptimisticTransaction txn = inTable.txn;
    Seq<Expression> partitionOnly = JavaConverters.asScalaBuffer(List.of(expr(predicate()).expr())).toSeq();
    List<Action> actions = new ArrayList<>(inTable.adds);
    long now = System.currentTimeMillis();
    for (AddFile old : JavaConverters.seqAsJavaList(txn.filterFiles(partitionOnly, false))) {
      actions.add(old.removeWithTimestamp(now, true));
    }
    String userMetadata = spark.conf().get(DeltaTables.COMMIT_USER_METADATA, "");
    DeltaOperations.Write operation =
        new DeltaOperations.Write(
            SaveMode.Overwrite, Option.apply(JavaConverters.asScalaBuffer(List.of(partitionColumn)).toSeq()), Option.apply(predicate()),
            userMetadata.isEmpty() ? Option.empty() : Option.apply(userMetadata));
    long version = txn.commit(JavaConverters.asScalaBuffer(actions).toSeq(), operation);
    long bytes = inTable.adds.stream().mapToLong(AddFile::size).sum();
    return new DeltaTables.Commit(version, inTable.adds.size(), bytes);
  }

  /**
   * Gives up staged rows that will not be published. Rows written into the table's folder are
   * deleted from it, unless a commit of them was tried (it may have landed: then they are the
   * table's); with {@code keepAt}, they are first copied there as Parquet, for inspection (a
   * blocked gate's rows). Rows staged as Parquet are left where they are: their staging folder is
   * the caller's.
   */
  public void abandon(String keepAt) {
    if (inTable == null || inTable.commitTried || inTable.abandoned) {
      return;
    }
    inTable.abandoned = true;
    try {
      if (keepAt != null) {
        rows.write().mode("overwrite").parquet(keepAt);
      }
    } finally {
      deleteFiles(spark, inTable);
    }
  }

  /** Deletes files written into a table and never committed, and the partition folders they leave empty. */
  private static void deleteFiles(SparkSession spark, InTable written) {
    org.apache.hadoop.conf.Configuration conf = spark.sessionState().newHadoopConf();
    Path root = new Path(written.tablePath);
    java.util.Set<Path> folders = new java.util.LinkedHashSet<>();
    try {
      FileSystem fs = root.getFileSystem(conf);
      for (AddFile add : written.adds) {
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
      throw new java.io.UncheckedIOException("cannot delete the unpublished files of " + written.tablePath, e);
    }
  }
}

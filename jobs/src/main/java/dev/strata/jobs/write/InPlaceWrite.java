package dev.strata.jobs.write;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Partitions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
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
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.actions.Metadata;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
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
 * <p>This is the one class that uses Delta's internal API (its transaction, actions and
 * operations): they change between Delta releases without notice, and everything else in Strata
 * uses Delta's public API. The architecture test holds it to that.
 */
public final class InPlaceWrite extends PartitionWrite {
  private final SparkSession spark;
  private final boolean dateTyped;
  private final OptimisticTransaction txn;
  private final List<AddFile> adds;

  private InPlaceWrite(
      SparkSession spark, WriteTarget target, boolean dateTyped, OptimisticTransaction txn, List<AddFile> adds, Dataset<Row> rows,
      Staging.Measured measured) {
    super(target, rows, measured.count(), measured.aggregates());
    this.spark = spark;
    this.dateTyped = dateTyped;
    this.txn = txn;
    this.adds = adds;
  }

  /**
   * Writes a table's new rows for one partition into the table's folder, unpublished, and
   * measures them like {@link StagedWrite#stage}; empty when that cannot be done: the table does
   * not exist yet, or its schema or partitioning differs from the rows' (then stage them instead).
   *
   * @throws dev.strata.api.StrataException.JobFailedException as {@link StagedWrite#stage} does;
   *     the files written are deleted first
   */
  public static Optional<InPlaceWrite> stage(SparkSession spark, WriteTarget target, Dataset<Row> rows, List<Column> aggregates) {
    boolean dateTyped = Staging.dateTyped(target.table(), rows, target.partitionColumn());
    DeltaLog log = DeltaLog.forTable(spark, target.path());
    OptimisticTransaction txn = log.startTransaction();
    if (txn.readVersion() < 0 || !writableInPlace(txn.metadata(), rows.schema(), target.partitionColumn())) {
      return Optional.empty();
    }
    List<AddFile> adds = new ArrayList<>();
    for (FileAction a : JavaConverters.seqAsJavaList(txn.writeFiles(rows))) {
      if (a instanceof AddFile add) {
        adds.add(add);
      }
    }
    try {
      // The rows as the table will hold them: the written files, read through the table's metadata.
      Dataset<Row> written = log.createDataFrame(txn.snapshot(), JavaConverters.asScalaBuffer(adds).toSeq(), false, Option.empty())
          .select(Arrays.stream(rows.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new));
      Staging.Measured measured = Staging.measure(written, target, dateTyped, aggregates);
      return Optional.of(new InPlaceWrite(spark, target, dateTyped, txn, adds, written, measured));
    } catch (RuntimeException e) {
      deleteFiles(spark, target.path(), adds);
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

  /**
   * Commits the files written into the table with the removal of the partition's current files:
   * what a {@code replaceWhere} overwrite on the partition commits, and recorded as one (a WRITE in
   * Overwrite mode with the partition's predicate). The transaction has read the partition, so a
   * concurrent commit adding files to it fails this one rather than being silently replaced.
   */
  @Override
  DeltaTables.Commit publish() {
    String predicate = Partitions.predicate(dateTyped, target.partitionColumn(), target.partition());
    Seq<Expression> partitionOnly = JavaConverters.asScalaBuffer(List.of(expr(predicate).expr())).toSeq();
    List<Action> actions = new ArrayList<>(adds);
    long now = System.currentTimeMillis();
    for (AddFile old : JavaConverters.seqAsJavaList(txn.filterFiles(partitionOnly, false))) {
      actions.add(old.removeWithTimestamp(now, true));
    }
    String userMetadata = spark.conf().get(DeltaTables.COMMIT_USER_METADATA, "");
    DeltaOperations.Write operation =
        new DeltaOperations.Write(
            SaveMode.Overwrite, Option.apply(JavaConverters.asScalaBuffer(List.of(target.partitionColumn())).toSeq()),
            Option.apply(predicate), userMetadata.isEmpty() ? Option.empty() : Option.apply(userMetadata));
    long version = txn.commit(JavaConverters.asScalaBuffer(actions).toSeq(), operation);
    long bytes = adds.stream().mapToLong(AddFile::size).sum();
    return new DeltaTables.Commit(version, adds.size(), bytes);
  }

  @Override
  void discard(String keepAt) {
    try {
      if (keepAt != null) {
        rows().write().mode("overwrite").parquet(keepAt);
      }
    } finally {
      deleteFiles(spark, target.path(), adds);
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

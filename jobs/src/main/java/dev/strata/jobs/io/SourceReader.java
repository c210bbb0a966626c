package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import dev.strata.api.Partition;
import dev.strata.api.SourceFormat;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.ColumnSpec;
import dev.strata.jobs.definition.DriftPolicy;
import dev.strata.jobs.definition.SourceDefinition;
import dev.strata.jobs.extension.Extensions;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads a landing source for one partition, as ingested, through its {@link SourceFormat}: a
 * textual format's columns as text (the declared types are the contract that silver casts to), a
 * typed one's with their declared types. Adds the ingestion metadata {@code _source_file} and
 * {@code _ingested_at}.
 *
 * <p>One reader serves one run: it remembers the files it has checked, so the run's preflight and
 * its bronze builds list and check each location once.
 */
public final class SourceReader {
  public static final String SOURCE_FILE = "_source_file";
  public static final String INGESTED_AT = "_ingested_at";

  private final SparkSession spark;
  private final Warehouse warehouse;
  private final HadoopFiles files;
  /** Files already checked, by location: a run checks every source before it builds anything. */
  private final Map<String, Inspected> checked = new java.util.concurrent.ConcurrentHashMap<>();
  private static final String CORRUPT = "_strata_corrupt_record";

  private final Map<String, String> environment;
  private final String definitionFolder;

  /** @param spark the run's session: formats read a file's columns (a header, a footer) through its Hadoop settings */
  public SourceReader(SparkSession spark, Warehouse warehouse, HadoopFiles files) {
    this(spark, warehouse, files, Map.of(), null);
  }

  /**
   * @param environment where a source that is not files (a database) finds its connection settings
   * @param definitionFolder the definition's folder, for relative paths in a source's options
   */
  public SourceReader(SparkSession spark, Warehouse warehouse, HadoopFiles files, Map<String, String> environment, String definitionFolder) {
    this.spark = spark;
    this.warehouse = warehouse;
    this.files = files;
    this.environment = Map.copyOf(environment);
    this.definitionFolder = definitionFolder;
  }

  /** What a source that is not files is asked for one partition (or, whole, for all of them). */
  private SourceFormat.Query query(SourceDefinition source, Partition partition) {
    return new SourceFormat.Query(partition, declared(source), source.options(), environment, definitionFolder);
  }

  /**
   * What a source that is not files holds: each partition with data (within {@code partition}, or
   * every one for {@link Partition#whole()}) and the marker of its content.
   */
  public Map<Partition, String> contents(SourceDefinition source, Partition partition) {
    try {
      return Extensions.FORMATS.get(source.format()).contents(spark, query(source, partition));
    } catch (IllegalArgumentException e) {
      throw unusable(source, e);
    }
  }

  /**
   * A source that is not files whose settings (options, environment) do not let its format read
   * it, as its format said (an {@link IllegalArgumentException}, as the SPI documents): the
   * definition's or the environment's error (exit 2), never a failed read.
   */
  private static dev.strata.api.StrataException.InvalidException unusable(SourceDefinition source, IllegalArgumentException e) {
    return new dev.strata.api.StrataException.InvalidException("Cannot read source '" + source.name() + "' (format " + source.format()
        + ", " + source.where() + "): " + e.getMessage() + ".", e);
  }

  /**
   * What a build records as ingested for a partition of a source: the files it read, or for a
   * source that is not files one entry naming the marker of the partition's content ({@code
   * marker:<value>}), which an incremental run compares with the source's marker then.
   */
  public List<HadoopFiles.FileInfo> landed(SourceDefinition source, Partition partition) {
    if (source.files()) {
      return check(source, partition);
    }
    String marker = contents(source, partition).get(partition);
    return marker == null ? List.of() : List.of(new HadoopFiles.FileInfo(MARKER + marker, 0, 0));
  }

  /** How the ledger's record of a partition of a source that is not files names the marker it was ingested at. */
  public static final String MARKER = "marker:";

  /** The location of a source's files for a partition. */
  public String location(SourceDefinition source, Partition partition) {
    return warehouse.resolve(SourceDefinition.withDate(source.path(), partition));
  }

  /**
   * Checks that the source has files for the partition; reads nothing but what its format says of
   * each file's columns (a CSV header, a Parquet footer). Throws the exit-2 error if there is no data file. How the files' columns differ from
   * the declared schema is not an error here: {@link #drift} reports it to the build.
   *
   * @return the data files as listed (with sizes and modification times) when first checked in this run
   */
  public List<HadoopFiles.FileInfo> check(SourceDefinition source, Partition partition) {
    // A database is not asked anything before the build: a connection failure is the build's
    // (retried), never the run's preflight's.
    return source.files() ? inspect(source, partition).listed() : List.of();
  }

  /** How the partition's files differ from the declared schema ({@link SchemaDrift#NONE} if the format does not say which columns its files hold). */
  public SchemaDrift drift(SourceDefinition source, Partition partition) {
    return source.files() ? inspect(source, partition).drift() : SchemaDrift.NONE;
  }

  /** Files with the same columns, read together; {@code arrived} is their schema (a textual format's: all text). */
  private record FileGroup(StructType arrived, List<String> files) {}

  /**
   * The files of a location: as listed, grouped by the columns they hold, the files whose records
   * are rejected for undeclared columns (policy {@code added: quarantine}) with those columns, and
   * the schema drift of the rest.
   */
  private record Inspected(
      List<HadoopFiles.FileInfo> listed, List<FileGroup> groups, Map<String, List<String>> extraColumns, SchemaDrift drift) {}

  private Inspected inspect(SourceDefinition source, Partition partition) {
    String location = location(source, partition);
    Inspected known = checked.get(location);
    if (known != null) {
      return known;
    }
    List<HadoopFiles.FileInfo> listed = files.dataFileInfos(location);
    List<String> dataFiles = listed.stream().map(HadoopFiles.FileInfo::path).toList();
    if (dataFiles.isEmpty()) {
      if (location.startsWith(warehouse.root() + "/") && !files.exists(warehouse.root())) {
        // Not a missing day: the whole warehouse is not there (a mistyped --warehouse, an unmounted volume).
        throw Errors.invalid(
            "Cannot read source '%s' for %s: the warehouse %s does not exist, so neither does its landing folder %s. Check"
                + " --warehouse (or $STRATA_WAREHOUSE); to try Strata on sample data: strata generate --warehouse <path>.",
            source.name(), partition, warehouse.root(), location);
      }
      throw Errors.missingSourceData(source.name(), partition, location, source.where());
    }
    Map<StructType, List<String>> byColumns = new LinkedHashMap<>();
    Map<String, List<String>> extra = new LinkedHashMap<>();
    List<SchemaDrift> diffs = new ArrayList<>();
    StructType declared = declared(source);
    SourceFormat format = Extensions.FORMATS.get(source.format());
    for (String file : dataFiles) {
      StructType arrived = format.columns(spark, file, source.options()).orElse(null);
      if (arrived == null) {
        // The file says nothing of its columns: the declared ones are assumed, and nothing can drift.
        arrived = declared;
      } else if (format.textual()) {
        List<String> undeclared = java.util.Arrays.stream(arrived.fieldNames()).filter(c -> !source.columnNames().contains(c)).toList();
        if (!undeclared.isEmpty() && source.drift().added() == DriftPolicy.Added.QUARANTINE) {
          extra.put(file, undeclared);
          continue;
        }
        // A textual column is text until silver casts it: only names can drift.
        diffs.add(SchemaDrift.compare(textual(declared), arrived, file));
      } else {
        diffs.add(SchemaDrift.compare(declared, arrived, file));
      }
      byColumns.computeIfAbsent(arrived, a -> new ArrayList<>()).add(file);
    }
    List<FileGroup> groups = byColumns.entrySet().stream().map(e -> new FileGroup(e.getKey(), List.copyOf(e.getValue()))).toList();
    Inspected inspected = new Inspected(listed, groups, extra, SchemaDrift.merge(diffs));
    checked.put(location, inspected);
    return inspected;
  }

  /** A source's declared columns, as text if {@code asText} (how a textual format's files hold them), else typed. */
  public static StructType declared(SourceDefinition source, boolean asText) {
    return asText ? textual(declared(source)) : declared(source);
  }

  private static StructType declared(SourceDefinition source) {
    StructType schema = new StructType();
    for (ColumnSpec c : source.schema()) {
      schema = schema.add(c.name(), c.type(), true);
    }
    return schema;
  }

  private static StructType textual(StructType schema) {
    StructType out = new StructType();
    for (var f : schema.fields()) {
      out = out.add(f.name(), DataTypes.StringType, true);
    }
    return out;
  }

  /**
   * A source's rows for one partition, parsed once: every row with the reasons it cannot be used
   * (none for a good row). {@link #rows} and {@link #malformed} are views over that result, or over
   * a staged copy of it, so that one scan of the landing files serves the transform, the
   * quarantine and the counts.
   */
  public static final class SourceRows {
    private final Dataset<Row> all;
    private final List<String> declared;
    private final Column partition;
    private final Timestamp ingestedAt;

    /**
     * @param declared the columns bronze gets: the declared ones, then accepted added ones
     * @param partition the partition column the path gives every row (its value, named), or null
     *     if the rows hold their own
     */
    SourceRows(Dataset<Row> all, List<String> declared, Column partition, Timestamp ingestedAt) {
      this.all = all;
      this.declared = declared;
      this.partition = partition;
      this.ingestedAt = ingestedAt;
    }

    /** Every row read: the declared columns, {@value #SOURCE_FILE}, the raw line and the reasons. */
    public Dataset<Row> all() {
      return all;
    }

    /**
     * The rows that can be used, as ingested: the declared columns (CSV and JSON as text, Parquet
     * typed), the partition column if the path gives it, {@value #SOURCE_FILE} and {@value
     * #INGESTED_AT}.
     *
     * @param from {@link #all()} or a staged copy of it
     */
    public Dataset<Row> rows(Dataset<Row> from) {
      List<Column> good = new ArrayList<>();
      declared.forEach(n -> good.add(col("`" + n + "`")));
      if (partition != null) {
        good.add(partition);
      }
      good.add(col(SOURCE_FILE));
      good.add(lit(ingestedAt).as(INGESTED_AT));
      return from.where(size(col(Quarantine.FAILED_RULES)).equalTo(0)).select(good.toArray(Column[]::new));
    }

    /**
     * The rows that cannot be used, with the declared columns where they could be read, {@value
     * #SOURCE_FILE}, {@link Quarantine#RAW_LINE} and {@link Quarantine#FAILED_RULES} (reasons
     * starting with {@code malformed:}).
     */
    public Dataset<Row> malformed(Dataset<Row> from) {
      return from.where(size(col(Quarantine.FAILED_RULES)).gt(0));
    }
  }

  /**
   * Reads a source for a partition, as ingested, marking what cannot be used: a line that does not
   * parse or has the wrong number of fields, a value that does not cast to its declared type, a
   * file whose header has columns the source does not declare (policy {@code added: quarantine}).
   * Files are read by the columns they hold: a declared column a file lacks (an approved removal)
   * is null, an undeclared one (policy {@code added: accept}) is carried as it arrived, and a
   * safely widened Parquet type is cast to the declared one. A source whose partition is its path's
   * ({@code partition: path}) gives every row the partition's value as {@code partitionColumn}.
   */
  public SourceRows read(SparkSession spark, SourceDefinition source, Partition partition, String partitionColumn, Timestamp ingestedAt) {
    Column fromPath = source.partitionFromPath() ? Partitions.literal(true, partition).as(partitionColumn) : null;
    if (!source.files()) {
      // A database or the like: the declared columns, typed, as its format reads them for the partition.
      SourceFormat format = Extensions.FORMATS.get(source.format());
      Dataset<Row> read;
      try {
        read = format.read(spark, query(source, partition));
      } catch (IllegalArgumentException e) {
        throw unusable(source, e);
      }
      List<Column> columns = new ArrayList<>();
      for (ColumnSpec c : source.schema()) {
        columns.add(col("`" + c.name() + "`").cast(c.type()).as(c.name()));
      }
      columns.add(lit(source.format() + ":" + source.name()).as(SOURCE_FILE));
      columns.add(lit(null).cast(DataTypes.StringType).as(Quarantine.RAW_LINE));
      columns.add(array().cast("array<string>").as(Quarantine.FAILED_RULES));
      return new SourceRows(read.select(columns.toArray(Column[]::new)), source.columnNames(), fromPath, ingestedAt);
    }
    Inspected inspected = inspect(source, partition);
    boolean carry = source.drift().added() == DriftPolicy.Added.ACCEPT;
    List<String> added = carry ? inspected.drift().added().keySet().stream().filter(p -> !p.contains(".")).toList() : List.of();
    List<String> output = new ArrayList<>(source.columnNames());
    output.addAll(added);
    SourceFormat format = Extensions.FORMATS.get(source.format());
    if (!format.textual()) {
      StructType target = declared(source);
      if (carry) {
        for (FileGroup g : inspected.groups()) {
          target = SchemaDrift.withAdded(target, g.arrived());
        }
      }
      Dataset<Row> all = null;
      for (FileGroup g : inspected.groups()) {
        Dataset<Row> read = format.read(spark, new SourceFormat.Read(g.files(), g.arrived(), source.options(), null, SOURCE_FILE));
        List<Column> columns = new ArrayList<>();
        for (var t : target.fields()) {
          var a = java.util.Arrays.stream(g.arrived().fields()).filter(f -> f.name().equals(t.name())).findFirst();
          columns.add((a.isPresent() ? SchemaDrift.conform(col("`" + t.name() + "`"), a.get().dataType(), t.dataType())
              : lit(null).cast(t.dataType())).as(t.name()));
        }
        columns.add(col(SOURCE_FILE));
        Dataset<Row> rows = read.select(columns.toArray(Column[]::new));
        all = all == null ? rows : all.unionByName(rows);
      }
      all = all.withColumn(Quarantine.RAW_LINE, lit(null).cast(DataTypes.StringType))
          .withColumn(Quarantine.FAILED_RULES, array().cast("array<string>"));
      return new SourceRows(all, output, fromPath, ingestedAt);
    }
    Dataset<Row> all = null;
    for (FileGroup g : inspected.groups()) {
      Dataset<Row> rows = readText(spark, source, format, g, added);
      all = all == null ? rows : all.unionByName(rows, true);
    }
    if (all == null) {
      all = readText(spark, source, format, new FileGroup(textual(declared(source)), List.of()), List.of());
    }
    for (var e : inspected.extraColumns().entrySet()) {
      all = all.unionByName(extraColumnLines(spark, source, e.getKey(), e.getValue()), true);
    }
    return new SourceRows(all, output, fromPath, ingestedAt);
  }

  /** Files of a textual format with the same columns, as text, with the reasons each row cannot be used. */
  private Dataset<Row> readText(SparkSession spark, SourceDefinition source, SourceFormat format, FileGroup group, List<String> added) {
    List<String> present = java.util.Arrays.asList(group.arrived().fieldNames());
    StructType schema = new StructType();
    for (String name : present) {
      schema = schema.add(name, DataTypes.StringType, true);
    }
    List<Column> declared = new ArrayList<>();
    for (ColumnSpec c : source.schema()) {
      declared.add(present.contains(c.name()) ? col("`" + c.name() + "`") : lit(null).cast(DataTypes.StringType).as(c.name()));
    }
    List<Column> conditions = new ArrayList<>();
    List<Column> reasons = new ArrayList<>();
    // Spark refuses a query of raw JSON or CSV files that needs their corrupt-record column alone
    // (counting the good rows of a source whose declared columns are all text: no cast check reads
    // a value). A condition that also reads one value (never true on its own) keeps such queries legal.
    conditions.add(present.isEmpty() ? col(CORRUPT).isNotNull()
        : coalesce(col(CORRUPT), when(org.apache.spark.sql.functions.length(col("`" + present.get(0) + "`")).lt(0), lit(""))).isNotNull());
    reasons.add(org.apache.spark.sql.functions.concat(lit("malformed: "), format.unreadable(col(CORRUPT), schema, source.options())));
    for (ColumnSpec c : source.schema()) {
      if (c.type().equals(DataTypes.StringType) || !present.contains(c.name())) {
        continue;
      }
      Column raw = trim(col("`" + c.name() + "`"));
      conditions.add(col(CORRUPT).isNull().and(raw.notEqual(lit(""))).and(raw.cast(c.type()).isNull()));
      reasons.add(lit("malformed: " + c.name() + " is not a " + c.type().simpleString()));
    }
    Column reasonList = dev.strata.quality.RowLevelRules.failures(conditions, reasons);
    List<Column> inFileOrder = present.stream().map(n -> col("`" + n + "`")).toList();
    Column rawLine = coalesce(col(CORRUPT), format.record(inFileOrder, source.options()));
    Dataset<Row> parsed =
        group.files().isEmpty()
            ? spark.createDataFrame(List.of(), schema.add(CORRUPT, DataTypes.StringType, true))
                .withColumn(SOURCE_FILE, lit(null).cast(DataTypes.StringType))
            : format.read(spark, new SourceFormat.Read(group.files(), schema, source.options(), CORRUPT, SOURCE_FILE));
    List<Column> columns = new ArrayList<>(declared);
    for (String a : added) {
      columns.add(present.contains(a) ? col("`" + a + "`") : lit(null).cast(DataTypes.StringType).as(a));
    }
    columns.add(col(SOURCE_FILE));
    // Only rows with a reason keep their raw line: good rows need not carry it.
    columns.add(when(size(reasonList).gt(0), rawLine).as(Quarantine.RAW_LINE));
    columns.add(reasonList.as(Quarantine.FAILED_RULES));
    return parsed.select(columns.toArray(Column[]::new));
  }

  /** Every data line of a file whose header has undeclared columns, as malformed. */
  private Dataset<Row> extraColumnLines(SparkSession spark, SourceDefinition source, String file, List<String> extra) {
    String header = files.firstLine(file);
    return spark.read()
        .text(file)
        .where(col("value").notEqual(lit(header)))
        .select(
            col("_metadata.file_path").as(SOURCE_FILE),
            col("value").as(Quarantine.RAW_LINE),
            array(lit("malformed: the file's header has column(s) " + extra + " that the source does not declare"))
                .as(Quarantine.FAILED_RULES));
  }
}

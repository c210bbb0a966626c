package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.ColumnSpec;
import dev.strata.jobs.definition.SourceDefinition;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads a landing source for one partition, as ingested: CSV and JSON columns as text (the declared
 * types are the contract that silver casts to), Parquet with its declared types. Adds the ingestion
 * metadata {@code _source_file} and {@code _ingested_at}.
 *
 * <p>One reader serves one run: it remembers the files it has checked, so the run's preflight and
 * its bronze builds list and check each location once.
 */
public final class SourceReader {
  public static final String SOURCE_FILE = "_source_file";
  public static final String INGESTED_AT = "_ingested_at";
  private static final Pattern DATE_TOKEN = Pattern.compile("\\{date(?::([^}]+))?}");

  private final Warehouse warehouse;
  private final HadoopFiles files;
  /** Files already checked, by location: a run checks every source before it builds anything. */
  private final java.util.Map<String, List<String>> checked = new java.util.concurrent.ConcurrentHashMap<>();

  public SourceReader(Warehouse warehouse, HadoopFiles files) {
    this.warehouse = warehouse;
    this.files = files;
  }

  /** The location of a source's files for a partition. */
  public String location(SourceDefinition source, LocalDate partition) {
    Matcher m = DATE_TOKEN.matcher(source.path());
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value =
          m.group(1) == null ? partition.toString() : partition.format(DateTimeFormatter.ofPattern(m.group(1)));
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return warehouse.resolve(out.toString());
  }

  /**
   * Checks that the source has files for the partition and that every CSV header matches the
   * declared schema; reads nothing else. Throws the exit-2 error otherwise.
   *
   * @return the data files
   */
  public List<String> check(SourceDefinition source, LocalDate partition) {
    String location = location(source, partition);
    List<String> known = checked.get(location);
    if (known != null) {
      return known;
    }
    List<String> dataFiles = files.dataFiles(location);
    if (dataFiles.isEmpty()) {
      throw Errors.missingSourceData(source.name(), partition, location, source.where());
    }
    if (source.format().equals("csv") && "true".equalsIgnoreCase(source.options().get("header"))) {
      String sep = source.options().getOrDefault("sep", source.options().getOrDefault("delimiter", ","));
      for (String file : dataFiles) {
        String line = files.firstLine(file);
        List<String> header = line == null ? List.of() : splitHeader(line, sep);
        if (!header.equals(source.columnNames())) {
          throw Errors.headerMismatch(source.name(), file, header, source.columnNames(), source.where());
        }
      }
    }
    checked.put(location, dataFiles);
    return dataFiles;
  }

  /** The source's rows for a partition, as ingested, with ingestion metadata. */
  public Dataset<Row> read(SparkSession spark, SourceDefinition source, LocalDate partition, Timestamp ingestedAt) {
    List<String> dataFiles = check(source, partition);
    StructType schema = new StructType();
    for (ColumnSpec c : source.schema()) {
      schema = schema.add(c.name(), source.format().equals("parquet") ? c.type() : DataTypes.StringType, true);
    }
    Dataset<Row> rows =
        spark.read().format(source.format()).options(source.options()).schema(schema)
            .load(dataFiles.toArray(String[]::new));
    return rows.select(col("*"), col("_metadata.file_path").as(SOURCE_FILE), lit(ingestedAt).as(INGESTED_AT));
  }

  static List<String> splitHeader(String line, String sep) {
    if (line.startsWith("\uFEFF")) {
      line = line.substring(1);
    }
    List<String> names = new ArrayList<>();
    for (String part : line.split(Pattern.quote(sep), -1)) {
      String name = part.strip();
      if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
        name = name.substring(1, name.length() - 1);
      }
      names.add(name);
    }
    return names;
  }
}

package dev.strata.jobs.io.formats;

import dev.strata.api.SourceFormat;
import dev.strata.jobs.io.HadoopFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** CSV, with a header by default: the header names a file's columns, all text. */
public final class CsvFormat implements SourceFormat {
  @Override
  public String name() {
    return "csv";
  }

  @Override
  public Map<String, String> defaultOptions() {
    return Map.of("header", "true");
  }

  @Override
  public boolean textual() {
    return true;
  }

  @Override
  public boolean namesColumns(Map<String, String> options) {
    return "true".equalsIgnoreCase(options.get("header"));
  }

  @Override
  public Optional<StructType> columns(SparkSession spark, String file, Map<String, String> options) {
    if (!"true".equalsIgnoreCase(options.get("header"))) {
      return Optional.empty();
    }
    String line = new HadoopFiles(spark.sparkContext().hadoopConfiguration()).firstLine(file);
    StructType arrived = new StructType();
    for (String name : line == null ? List.<String>of() : splitHeader(line, separator(options))) {
      arrived = arrived.add(name, DataTypes.StringType, true);
    }
    return Optional.of(arrived);
  }

  @Override
  public Dataset<Row> read(SparkSession spark, Read read) {
    return TextFiles.read(spark, "csv", read);
  }


  @Override
  public Column record(List<Column> values, Map<String, String> options) {
    return functions.concat_ws(separator(options), values.toArray(Column[]::new));
  }

  @Override
  public String unreadable(StructType columns) {
    return "the line does not split into the " + columns.size() + " declared fields";
  }

  private static String separator(Map<String, String> options) {
    return options.getOrDefault("sep", options.getOrDefault("delimiter", ","));
  }

  /** A header line's column names: split on the separator, a byte-order mark and quotes removed. */
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

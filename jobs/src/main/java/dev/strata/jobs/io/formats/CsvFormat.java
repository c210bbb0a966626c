package dev.strata.jobs.io.formats;

import dev.strata.api.SourceFormat;
import dev.strata.jobs.io.HadoopFiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * CSV, with a header by default: the header names a file's columns, all text.
 *
 * <p>Besides Spark's CSV options, a source may set {@value #TRAILING_DELIMITER}: {@code "true"}
 * for files whose lines end with one delimiter more than they have fields ({@code 1|a|2.50|}, as
 * TPC's dbgen writes them); the empty field after it is not a field, and a line with or without it
 * reads the same.
 */
public final class CsvFormat implements SourceFormat {
  /** Strata's own option (never given to Spark): lines may end with a delimiter that ends no field. */
  public static final String TRAILING_DELIMITER = "trailingDelimiter";
  /** The column that takes what follows a trailing delimiter: empty on a good line. */
  private static final String TRAILING = "_strata_trailing_field";

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
    List<String> names = line == null ? List.<String>of() : splitHeader(line, separator(options));
    if (trailingDelimiter(options) && !names.isEmpty() && names.get(names.size() - 1).isEmpty()) {
      names = names.subList(0, names.size() - 1);
    }
    for (String name : names) {
      arrived = arrived.add(name, DataTypes.StringType, true);
    }
    return Optional.of(arrived);
  }

  @Override
  public Dataset<Row> read(SparkSession spark, Read read) {
    Map<String, String> options = new LinkedHashMap<>(read.options());
    options.remove(TRAILING_DELIMITER);
    if (!trailingDelimiter(read.options())) {
      return TextFiles.read(spark, "csv", new Read(read.files(), read.columns(), options, read.corrupt(), read.file()));
    }
    // One column more takes what follows the trailing delimiter. A line that has it reads as
    // Spark reads any line; a line without it has one token fewer than asked, which Spark marks
    // corrupt (keeping the values it read): such a line is good if it has exactly the declared
    // fields. A line with something after its last delimiter has a field too many.
    Dataset<Row> rows = TextFiles.read(spark, "csv",
        new Read(read.files(), read.columns().add(TRAILING, DataTypes.StringType, true), options, read.corrupt(), read.file()));
    int declared = read.columns().size();
    List<Column> values = new ArrayList<>();
    for (String name : read.columns().fieldNames()) {
      values.add(functions.col("`" + name + "`"));
    }
    Column corrupt = functions.col(read.corrupt());
    List<Column> withTrailing = new ArrayList<>(values);
    withTrailing.add(functions.col(TRAILING));
    Column line =
        functions.when(corrupt.isNotNull().and(fields(corrupt, read.options()).equalTo(declared)), functions.lit(null).cast(DataTypes.StringType))
            .when(corrupt.isNull().and(functions.col(TRAILING).isNotNull()), record(withTrailing, read.options()))
            .otherwise(corrupt);
    List<Column> out = new ArrayList<>(values);
    out.add(line.as(read.corrupt()));
    out.add(functions.col(read.file()));
    return rows.select(out.toArray(Column[]::new));
  }

  /**
   * Says how many fields the line has against how many are expected, and what to do if the only
   * difference is a delimiter at the end of every line.
   */
  @Override
  public Column unreadable(Column record, StructType columns, Map<String, String> options) {
    int expected = columns.size();
    Column found = fields(record, options);
    String what = "true".equalsIgnoreCase(options.get("header")) ? " where the file's header names " : " where the source declares ";
    Column endsWithDelimiter = record.endsWith(separator(options));
    return functions
        .when(found.equalTo(expected), functions.lit("the line does not parse into the " + expected + " declared fields (a quote left open?)"))
        .when(found.equalTo(expected + 1).and(endsWithDelimiter).and(functions.lit(!trailingDelimiter(options))),
            functions.lit("the line has " + (expected + 1) + " fields" + what + expected + ": it ends with the delimiter; if the"
                + " source's lines end that way, set its option " + TRAILING_DELIMITER + ": \"true\""))
        .otherwise(functions.concat(functions.lit("the line has "), found.cast("string"), functions.lit(" fields" + what + expected)));
  }

  private static boolean trailingDelimiter(Map<String, String> options) {
    return "true".equalsIgnoreCase(options.getOrDefault(TRAILING_DELIMITER, "false").strip());
  }

  /** How many fields a line has, as Spark's CSV reader splits it: delimiters inside quotes do not count; a trailing one does not if the source says so. */
  private static Column fields(Column line, Map<String, String> options) {
    String sep = separator(options);
    char quote = options.getOrDefault("quote", "\"").isEmpty() ? '\u0000' : options.getOrDefault("quote", "\"").charAt(0);
    char escape = options.getOrDefault("escape", "\\").isEmpty() ? '\u0000' : options.getOrDefault("escape", "\\").charAt(0);
    boolean trailing = trailingDelimiter(options);
    UserDefinedFunction count = functions.udf(
        (UDF1<String, Integer>) l -> l == null ? null : fieldCount(l, sep, quote, escape, trailing), DataTypes.IntegerType);
    return count.apply(line);
  }

  static int fieldCount(String line, String sep, char quote, char escape, boolean trailing) {
    int fields = 1;
    boolean quoted = false;
    boolean lastWasDelimiter = false;
    for (int i = 0; i < line.length();) {
      char c = line.charAt(i);
      lastWasDelimiter = false;
      if (quoted && c == escape && escape != quote && i + 1 < line.length()) {
        i += 2;
      } else if (c == quote) {
        quoted = !quoted;
        i++;
      } else if (!quoted && line.startsWith(sep, i)) {
        fields++;
        lastWasDelimiter = true;
        i += sep.length();
      } else {
        i++;
      }
    }
    return trailing && lastWasDelimiter ? fields - 1 : fields;
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

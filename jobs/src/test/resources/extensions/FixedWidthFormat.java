package com.example.strata;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rpad;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import dev.strata.api.SourceFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Fixed-width text, as mainframes export it: each line holds the declared columns in order, each
 * in the number of characters {@code options.widths} gives ("6,12,10"), padded with spaces. A line
 * of another length is unreadable, and quarantined with its text.
 */
public final class FixedWidthFormat implements SourceFormat {
  @Override
  public String name() {
    return "fixed_width";
  }

  @Override
  public boolean textual() {
    return true;
  }

  @Override
  public Dataset<Row> read(SparkSession spark, Read read) {
    int[] widths = widths(read.options());
    if (widths.length != read.columns().size()) {
      throw new IllegalArgumentException("options.widths gives " + widths.length + " widths for " + read.columns().size() + " columns");
    }
    Dataset<Row> lines = spark.read().text(read.files().toArray(String[]::new))
        .select(col("value"), col("_metadata.file_path").as(read.file()));
    Column whole = length(col("value")).equalTo(Arrays.stream(widths).sum());
    List<Column> columns = new ArrayList<>();
    int from = 1;
    for (int i = 0; i < widths.length; i++) {
      columns.add(when(whole, trim(substring(col("value"), from, widths[i]))).as(read.columns().fields()[i].name()));
      from += widths[i];
    }
    columns.add(when(whole.unary_$bang(), col("value")).as(read.corrupt()));
    columns.add(col(read.file()));
    return lines.select(columns.toArray(Column[]::new));
  }

  @Override
  public Column record(List<Column> values, Map<String, String> options) {
    int[] widths = widths(options);
    Column[] padded = new Column[values.size()];
    for (int i = 0; i < padded.length; i++) {
      padded[i] = rpad(values.get(i), i < widths.length ? widths[i] : 0, " ");
    }
    return padded.length == 0 ? lit("") : concat(padded);
  }

  @Override
  public String unreadable(StructType columns) {
    return "the line is not as wide as the " + columns.size() + " declared fields";
  }

  private static int[] widths(Map<String, String> options) {
    String widths = options.get("widths");
    if (widths == null) {
      throw new IllegalArgumentException("a fixed_width source needs options.widths, e.g. widths: \"6,12,10\"");
    }
    return Arrays.stream(widths.split(",")).mapToInt(w -> Integer.parseInt(w.strip())).toArray();
  }
}

package dev.strata.jobs.io.formats;

import dev.strata.api.SourceFormat;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/** How the built-in textual formats read: Spark's own reader, permissive, every value as text. */
final class TextFiles {
  private TextFiles() {}

  /** Reads with Spark's {@code format} reader: a record that does not parse keeps its text in the corrupt column. */
  static Dataset<Row> read(SparkSession spark, String format, SourceFormat.Read read) {
    return spark.read()
        .format(format)
        .options(read.options())
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", read.corrupt())
        .schema(read.columns().add(read.corrupt(), DataTypes.StringType, true))
        .load(read.files().toArray(String[]::new))
        .select(functions.col("*"), functions.col("_metadata.file_path").as(read.file()));
  }
}

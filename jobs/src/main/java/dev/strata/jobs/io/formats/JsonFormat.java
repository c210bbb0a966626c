package dev.strata.jobs.io.formats;

import dev.strata.api.SourceFormat;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/** JSON lines: one object per line, its fields read as text by their declared names. */
public final class JsonFormat implements SourceFormat {
  @Override
  public String name() {
    return "json";
  }

  @Override
  public boolean textual() {
    return true;
  }

  @Override
  public Dataset<Row> read(SparkSession spark, Read read) {
    return TextFiles.read(spark, "json", read);
  }


  @Override
  public Column record(List<Column> values, Map<String, String> options) {
    return functions.to_json(functions.struct(values.toArray(Column[]::new)));
  }

  @Override
  public String unreadable(StructType columns) {
    return "the line is not a JSON object of the declared fields";
  }
}

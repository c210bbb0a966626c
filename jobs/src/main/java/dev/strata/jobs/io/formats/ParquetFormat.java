package dev.strata.jobs.io.formats;

import dev.strata.api.SourceFormat;
import dev.strata.jobs.io.HadoopFiles;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/** Parquet: typed columns, named by each file's footer. */
public final class ParquetFormat implements SourceFormat {
  @Override
  public String name() {
    return "parquet";
  }

  @Override
  public boolean textual() {
    return false;
  }

  @Override
  public boolean namesColumns(Map<String, String> options) {
    return true;
  }

  @Override
  public Optional<StructType> columns(SparkSession spark, String file, Map<String, String> options) {
    return Optional.of(new HadoopFiles(spark.sparkContext().hadoopConfiguration()).parquetSchema(file));
  }

  @Override
  public Dataset<Row> read(SparkSession spark, Read read) {
    return spark.read().format("parquet").options(read.options()).load(read.files().toArray(String[]::new))
        .select(functions.col("*"), functions.col("_metadata.file_path").as(read.file()));
  }
}

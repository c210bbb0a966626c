package dev.strata.jobs.testing;

import dev.strata.api.Partition;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Partitions;
import dev.strata.testing.SparkTestSession;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Reads the published tables of a test warehouse. */
public final class Tables {
  private final Path warehouse;

  public Tables(Path warehouse) {
    this.warehouse = warehouse;
  }

  public String path(String layer, String table) {
    return warehouse.resolve(layer).resolve(table).toUri().toString();
  }

  public boolean exists(String layer, String table) {
    return DeltaTable.isDeltaTable(SparkTestSession.get(), path(layer, table));
  }

  public Dataset<Row> all(String layer, String table) {
    return SparkTestSession.get().read().format("delta").load(path(layer, table));
  }

  /** The rows of one partition (as_of_date), without the columns that record when they were ingested. */
  public Dataset<Row> partition(String layer, String table, LocalDate day) {
    Dataset<Row> rows = all(layer, table);
    rows = rows.where(Partitions.equalTo(rows.schema(), "as_of_date", Partition.day(day)));
    return Arrays.asList(rows.columns()).contains("_ingested_at") ? rows.drop("_ingested_at") : rows;
  }

  public long count(String layer, String table, LocalDate day) {
    return partition(layer, table, day).count();
  }

  /** The rows of a partition as sorted text, for exact comparison. */
  public List<String> rows(String layer, String table, LocalDate day) {
    return SparkTestSession.sortedRows(partition(layer, table, day));
  }

  public long version(String layer, String table) {
    return DeltaTables.version(SparkTestSession.get(), path(layer, table));
  }

  /** The data files holding a partition's rows in the current snapshot. */
  public List<String> files(String layer, String table, LocalDate day) {
    return partition(layer, table, day)
        .select(org.apache.spark.sql.functions.input_file_name().as("f"))
        .distinct()
        .collectAsList()
        .stream()
        .map(r -> r.getString(0))
        .sorted()
        .toList();
  }
}

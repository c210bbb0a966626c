package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.run.BuildMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** What a build measures of its rows ({@link BuildMetrics}): nulls per column, duplicate keys. */
final class BuildMeasures {
  private BuildMeasures() {}

  /**
   * Null counts per column and duplicates on the key, in one aggregate over {@code rows}: a
   * history's snapshot (every other build observes its null counts as it writes its rows).
   */
  static BuildMetrics measure(Dataset<Row> rows, TableDefinition table) {
    List<String> columns = java.util.Arrays.stream(rows.columns()).toList();
    List<Column> aggregates = new ArrayList<>(nullCounts(columns, null));
    boolean keyed = keyed(columns, table);
    if (keyed) {
      aggregates.add(count(lit(1)));
      aggregates.add(count_distinct(key(table)));
    }
    Row r = rows.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).head();
    long duplicates = keyed ? r.getLong(columns.size()) - r.getLong(columns.size() + 1) : -1;
    return metrics(r, 0, columns, table, duplicates);
  }

  /**
   * The aggregates behind {@link BuildMetrics#nullCounts}: per column, its nulls, over the rows
   * {@code measured} selects, or all rows if it is null. Aggregates a write can observe as it goes.
   */
  static List<Column> nullCounts(List<String> columns, Column measured) {
    List<Column> aggregates = new ArrayList<>();
    for (String c : columns) {
      Column isNull = col("`" + c + "`").isNull();
      aggregates.add(count_if(measured == null ? isNull : isNull.and(measured)));
    }
    return aggregates;
  }

  /**
   * Rows whose key another row has too, among the rows a build wrote ({@code written}, read back
   * by their key columns alone: a distinct count cannot be observed while writing); -1 for a table
   * without a key among its columns.
   *
   * @param rows how many rows were written, if known (else -1)
   */
  static long duplicates(Dataset<Row> written, TableDefinition table, long rows) {
    if (!keyed(java.util.Arrays.asList(written.columns()), table)) {
      return -1;
    }
    if (rows >= 0 && rows <= COUNTED_IN_DRIVER) {
      // A small partition (an incremental day, an hour): its keys counted in the driver, one Spark
      // job, where a distinct count is three (adaptive execution runs each of its two shuffles as a
      // job of its own), and most of a small build's time is the latency of its jobs.
      List<Row> keys = written.select(keyColumns(table)).collectAsList();
      return keys.size() - new java.util.HashSet<>(keys).size();
    }
    Row r = written.agg(count(lit(1)), count_distinct(key(table))).head();
    return r.getLong(0) - r.getLong(1);
  }

  /** Up to how many rows a build's keys are counted in the driver rather than by a distinct count. */
  static final long COUNTED_IN_DRIVER = 100_000;

  /** The metrics from the values of {@link #nullCounts}, which start at {@code offset} in {@code r}, and the duplicates. */
  static BuildMetrics metrics(Row r, int offset, List<String> columns, TableDefinition table, long duplicates) {
    Map<String, Long> nulls = new LinkedHashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      nulls.put(columns.get(i), r.getLong(offset + i));
    }
    return new BuildMetrics(nulls, duplicates >= 0 ? table.key() : List.of(), duplicates, -1, -1);
  }

  private static Column key(TableDefinition table) {
    return struct(keyColumns(table));
  }

  private static Column[] keyColumns(TableDefinition table) {
    return table.key().stream().map(k -> col("`" + k + "`")).toArray(Column[]::new);
  }

  private static boolean keyed(List<String> columns, TableDefinition table) {
    return !table.key().isEmpty() && columns.containsAll(table.key());
  }
}

package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.col;

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
   * history's snapshot (every other build computes them in the pass that counts its staged rows).
   */
  static BuildMetrics measure(Dataset<Row> rows, TableDefinition table) {
    List<String> columns = java.util.Arrays.stream(rows.columns()).toList();
    List<Column> aggregates = metricAggregates(columns, table, null);
    Row r = rows.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).head();
    return metrics(r, 0, columns, table);
  }

  /**
   * The aggregates behind {@link BuildMetrics}: per column, its nulls; for a table with a key
   * among the columns, the rows and their distinct keys. Over the rows {@code measured} selects,
   * or all rows if it is null.
   */
  static List<Column> metricAggregates(List<String> columns, TableDefinition table, Column measured) {
    List<Column> aggregates = new ArrayList<>();
    for (String c : columns) {
      Column isNull = col("`" + c + "`").isNull();
      aggregates.add(org.apache.spark.sql.functions.count_if(measured == null ? isNull : isNull.and(measured)));
    }
    if (keyed(columns, table)) {
      Column key = org.apache.spark.sql.functions.struct(table.key().stream().map(k -> col("`" + k + "`")).toArray(Column[]::new));
      aggregates.add(measured == null ? org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1))
          : org.apache.spark.sql.functions.count_if(measured));
      // A struct is never null, so only the rows not measured are left out of the distinct count.
      aggregates.add(org.apache.spark.sql.functions.count_distinct(measured == null ? key : org.apache.spark.sql.functions.when(measured, key)));
    }
    return aggregates;
  }

  /** The metrics from the values of {@link #metricAggregates}, which start at {@code offset} in {@code r}. */
  static BuildMetrics metrics(Row r, int offset, List<String> columns, TableDefinition table) {
    Map<String, Long> nulls = new LinkedHashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      nulls.put(columns.get(i), r.getLong(offset + i));
    }
    boolean keyed = keyed(columns, table);
    long duplicates = keyed ? r.getLong(offset + columns.size()) - r.getLong(offset + columns.size() + 1) : -1;
    return new BuildMetrics(nulls, keyed ? table.key() : List.of(), duplicates, -1, -1);
  }

  private static boolean keyed(List<String> columns, TableDefinition table) {
    return !table.key().isEmpty() && columns.containsAll(table.key());
  }
}

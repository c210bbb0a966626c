package dev.strata.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A few rows that show why a rule failed, for people: each as {@code key=value, column=value}
 * with the table's key and the columns the rule names, or for a uniqueness rule a repeated value
 * with how many rows share it ({@code account_id=A-17 (2 rows)}).
 *
 * <p>They are read from rows already staged (the partition the gate checked, or the rows it
 * quarantined), with a limit: only as much of the data as it takes to find them is read, and only
 * for a rule that failed.
 */
public final class Samples {
  /** How many sample rows a failure shows unless told otherwise. */
  public static final int DEFAULT = 5;
  /** Longer values are cut, so that one wide column cannot flood a console line. */
  private static final int MAX_VALUE = 40;

  private Samples() {}

  /**
   * The columns a sample of a rule's failure shows: the key's, then the rule's own (none if {@code
   * rule} is null), as far as the data has them.
   */
  public static List<String> columns(CompiledRule rule, List<String> key, List<String> dataColumns) {
    Set<String> columns = new LinkedHashSet<>();
    key.stream().filter(dataColumns::contains).forEach(columns::add);
    if (columns.isEmpty()) {
      // No key: the row's first columns are what identifies it best.
      dataColumns.stream().filter(c -> !c.startsWith("_")).limit(2).forEach(columns::add);
    }
    if (rule != null) {
      targets(rule).stream().filter(dataColumns::contains).forEach(columns::add);
    }
    // Without a key, or with only the columns the rule names, a row is hard to find again: its first columns help.
    dataColumns.stream().filter(c -> !c.startsWith("_") && !columns.contains(c)).limit(Math.max(0, 3 - columns.size()))
        .forEach(columns::add);
    return List.copyOf(columns);
  }

  /** A row as {@code column=value, ...} over the given columns. */
  public static String render(Row row, List<String> columns) {
    List<String> parts = new ArrayList<>();
    for (String c : columns) {
      int i = Arrays.asList(row.schema().fieldNames()).indexOf(c);
      Object v = i < 0 ? null : row.get(i);
      parts.add(c + "=" + value(v));
    }
    return String.join(", ", parts);
  }

  /** Up to {@code n} rows of {@code rows}, rendered over {@code columns}. */
  public static List<String> take(Dataset<Row> rows, List<String> columns, int n) {
    if (n <= 0) {
      return List.of();
    }
    Column[] selected = columns.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new);
    return rows.select(selected).limit(n).collectAsList().stream().map(r -> render(r, columns)).toList();
  }

  /**
   * Up to {@code n} rows that show why a dataset-level rule failed on {@code data}: rows breaking
   * its condition; for a uniqueness rule the most repeated values with their counts; for
   * ReferentialIntegrity rows whose key the reference lacks. Empty for rules no row can show
   * (aggregates such as a mean or a row count).
   */
  static List<String> failing(Dataset<Row> data, CompiledRule rule, List<String> key, int n, Map<String, Dataset<Row>> references) {
    if (n <= 0) {
      return List.of();
    }
    List<String> dataColumns = Arrays.asList(data.columns());
    String type = rule.ruleType();
    if (type.equals("IsUnique") || type.equals("Uniqueness") || type.equals("IsPrimaryKey")) {
      String where = rule.dqRule().getWhereClause();
      return repeated(where == null || where.isBlank() ? data : data.where(where), targets(rule), n);
    }
    if (type.equals("ReferentialIntegrity")) {
      return orphans(data, rule, key, n, references);
    }
    Optional<Column> violates = NativeRowRules.violates(rule);
    if (violates.isEmpty()) {
      return List.of();
    }
    return take(data.where(violates.get()), columns(rule, key, dataColumns), n);
  }

  /** The most repeated values of the columns, each with how many rows have it. */
  private static List<String> repeated(Dataset<Row> data, List<String> columns, int n) {
    if (columns.isEmpty()) {
      return List.of();
    }
    Column[] group = columns.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new);
    List<String> out = new ArrayList<>();
    for (Row r : data.groupBy(group).count().where(col("count").gt(1)).orderBy(desc("count")).limit(n).collectAsList()) {
      out.add(render(r, columns) + " (" + String.format(java.util.Locale.ROOT, "%,d", r.getLong(columns.size())) + " rows)");
    }
    return out;
  }

  /** Rows whose key the reference dataset does not have. */
  private static List<String> orphans(Dataset<Row> data, CompiledRule rule, List<String> key, int n, Map<String, Dataset<Row>> references) {
    Map<String, String> p = rule.parameters();
    String reference = p.get("ReferenceDatasetColumns");
    int dot = reference == null ? -1 : reference.indexOf('.');
    if (dot < 0 || !references.containsKey(reference.substring(0, dot))) {
      return List.of();
    }
    List<String> keys = RowLevelRules.columns(p.get("PrimaryDatasetColumns"));
    List<String> refKeys = RowLevelRules.columns(reference.substring(dot + 1));
    Dataset<Row> ref = references.get(reference.substring(0, dot));
    Column on = null;
    for (int k = 0; k < keys.size(); k++) {
      Column eq = data.col("`" + keys.get(k) + "`").equalTo(ref.col("`" + refKeys.get(k) + "`"));
      on = on == null ? eq : on.and(eq);
    }
    return take(data.join(ref, on, "left_anti"), columns(rule, key, Arrays.asList(data.columns())), n);
  }

  /** The columns a rule names. */
  static List<String> targets(CompiledRule rule) {
    List<String> columns = new ArrayList<>();
    Map<String, String> p = rule.parameters();
    if (p.containsKey("TargetColumn")) {
      columns.add(p.get("TargetColumn"));
    }
    for (int i = 1; p.containsKey("TargetColumn" + i); i++) {
      columns.add(p.get("TargetColumn" + i));
    }
    if (p.containsKey("PrimaryDatasetColumns")) {
      columns.addAll(RowLevelRules.columns(p.get("PrimaryDatasetColumns")));
    }
    return columns;
  }

  private static String value(Object v) {
    if (v == null) {
      return "null";
    }
    String s = v.toString();
    return s.length() > MAX_VALUE ? s.substring(0, MAX_VALUE - 1) + "…" : s;
  }
}

package dev.strata.jobs.definition;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A landing source: files the bronze layer ingests.
 *
 * @param name the name tables use as an input
 * @param path where the files are; relative to the warehouse root unless it is an absolute URI or
 *     path. {@code {date}} (or {@code {date:yyyyMMdd}}) stands for the partition being built.
 * @param format csv, json or parquet
 * @param options Spark reader options
 * @param schema the declared columns, in file order; the contract with the producer
 * @param freshness how old its newest data (event time or landing file) may be before the builds
 *     reading it warn or refuse, or null
 * @param drift what arriving files may differ from the declared schema
 * @param partition where a row's partition value is: a column of the data ({@link
 *     PartitionValue#COLUMN}, the reading table's {@code partition_column}), or the partition the
 *     path's {@code {date}} names ({@link PartitionValue#PATH}), added to every row as that column
 * @param where file:line of the declaration
 */
public record SourceDefinition(
    String name,
    String path,
    String format,
    Map<String, String> options,
    List<ColumnSpec> schema,
    Freshness freshness,
    DriftPolicy drift,
    PartitionValue partition,
    String where) {

  /** Where a source's rows get their partition value. */
  public enum PartitionValue {
    /** A declared column of the data holds it (the reading table's {@code partition_column}). */
    COLUMN,
    /**
     * The partition the path names: every row read for a partition gets its value, typed (a day as
     * a DATE), as the reading table's {@code partition_column}; the files need no such column.
     */
    PATH;

    /** The word a definition writes. */
    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Whether the rows' partition value comes from the path rather than from a column of the data. */
  public boolean partitionFromPath() {
    return partition == PartitionValue.PATH;
  }

  /** {@code {date}} or {@code {date:PATTERN}} in a source path: the partition being built. */
  public static final Pattern DATE_TOKEN = Pattern.compile("\\{date(?::([^}]+))?}");

  /** {@code path} with every {@code {date}} / {@code {date:PATTERN}} replaced by the partition. */
  public static String withDate(String path, dev.strata.api.Partition partition) {
    java.time.LocalDate date = partition.date();
    java.util.regex.Matcher m = DATE_TOKEN.matcher(path);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = m.group(1) == null ? date.toString() : date.format(java.time.format.DateTimeFormatter.ofPattern(m.group(1)));
      m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  public List<String> columnNames() {
    return schema.stream().map(ColumnSpec::name).toList();
  }

}

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
 * @param where file:line of the declaration
 */
public record SourceDefinition(
    String name,
    String path,
    String format,
    Map<String, String> options,
    List<ColumnSpec> schema,
    String where) {

  /** {@code {date}} or {@code {date:PATTERN}} in a source path: the partition being built. */
  public static final Pattern DATE_TOKEN = Pattern.compile("\\{date(?::([^}]+))?}");

  public List<String> columnNames() {
    return schema.stream().map(ColumnSpec::name).toList();
  }
}

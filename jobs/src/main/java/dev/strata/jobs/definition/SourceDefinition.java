package dev.strata.jobs.definition;

import java.util.List;
import java.util.Map;

/**
 * A landing source: files the bronze layer ingests.
 *
 * @param name the name tables use as an input
 * @param path where the files are (null for a source that is not files: a database); relative to
 *     the warehouse root unless it is an absolute URI or path. Its tokens ({@link PathTemplate}: {@code {date}}, {@code {hour}}, {@code {month}}) stand
 *     for the partition being built; without any, the source is read whole (unpartitioned).
 * @param format csv, json or parquet
 * @param options Spark reader options
 * @param schema the declared columns, in file order; the contract with the producer
 * @param freshness how old its newest data (event time or landing file) may be before the builds
 *     reading it warn or refuse, or null
 * @param drift what arriving files may differ from the declared schema
 * @param partition where a row's partition value is: a column of the data ({@link
 *     PartitionValue#COLUMN}, the reading table's {@code partition_column}), or the partition the
 *     path's {@code {date}} names ({@link PartitionValue#PATH}), added to every row as that column
 * @param files whether the source is files under its path, else a database or the like read
 *     through its format ({@link dev.strata.api.SourceFormat#readsFiles}, as the loader found it)
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
    boolean files,
    Circuit circuit,
    String where) {

  /**
   * A source's circuit breaker ({@code circuit: {failures: 3, cool_down: 30m}}): after {@code
   * failures} ingests of it failed in a row the source is open, and its tables wait ({@code
   * NOT_READY}) without anyone touching it; once {@code coolDown} has passed since the last
   * failure one ingest tries it again (half-open), which closes it or opens it again.
   *
   * @param failures consecutive failed ingests that open it
   * @param coolDown how long it stays open after the last failure
   * @param where file:line of the declaration
   */
  public record Circuit(int failures, java.time.Duration coolDown, String where) {}

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

  /**
   * Whether the rows' partition value is the partition read (its path's, or for a source that is
   * not files the bounds it was read with) rather than a column of the data.
   */
  public boolean partitionFromPath() {
    return partition == PartitionValue.PATH || !files();
  }

  /** The format of a Kafka topic's source, whose messages each run pulls into its landing folders. */
  public static final String STREAM_FORMAT = "kafka";

  /** Whether the source is a Kafka topic (pulled into landing by each run, its own ingest attempts). */
  public boolean stream() {
    return format.equals(STREAM_FORMAT);
  }

  /** The source's path with its partition tokens ({@code {date}}, {@code {hour}}, {@code {month}}). */
  public PathTemplate template() {
    return PathTemplate.of(path);
  }

  /** The option of a source that is not files saying how its partitions are cut. */
  public static final String GRANULARITY_OPTION = "granularity";

  /**
   * The granularity of the source's partitions: its path's finest token's, NONE (read whole)
   * without tokens; for a source that is not files, its {@code granularity} option's (default day).
   */
  public dev.strata.api.Partition.Granularity granularity() {
    if (!files()) {
      return dev.strata.api.Partition.Granularity.fromKey(options.getOrDefault(GRANULARITY_OPTION, "day"))
          .orElse(dev.strata.api.Partition.Granularity.DAY);
    }
    return template().granularity();
  }

  /** {@code path} with its tokens replaced by the partition's first moment, formatted. */
  public static String withDate(String path, dev.strata.api.Partition partition) {
    return PathTemplate.of(path).render(partition);
  }

  public List<String> columnNames() {
    return schema.stream().map(ColumnSpec::name).toList();
  }

}

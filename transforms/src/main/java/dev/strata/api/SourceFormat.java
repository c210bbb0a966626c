package dev.strata.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * How the files of a landing source are read. A source's {@code format:} names one; CSV, JSON and
 * Parquet are built in, and a jar on the classpath adds more through {@link java.util.ServiceLoader}
 * (a line with the class's name in {@code META-INF/services/dev.strata.api.SourceFormat}; the class
 * needs a public no-argument constructor).
 *
 * <p>A format only reads. The engine does the rest for every format alike: it lists the files of
 * the partition, compares the columns they hold with the declared schema (drift), reads the files
 * grouped by their columns, rejects the records that cannot be read or whose values do not cast to
 * their declared types (quarantined at bronze with {@code malformed:} reasons and the record as it
 * was), and adds {@code _source_file} and {@code _ingested_at}.
 */
public interface SourceFormat {

  /** The name a source's {@code format:} gives, e.g. {@code csv}; unique among the formats on the classpath. */
  String name();

  /** Options a source of this format gets unless its definition sets them. */
  default Map<String, String> defaultOptions() {
    return Map.of();
  }

  /**
   * Whether values arrive as text (CSV, JSON, fixed-width): bronze keeps them as text, silver casts
   * them, and a value that does not cast to its declared type is malformed. False if they arrive
   * typed (Parquet): a file's column types are then compared with the declared ones.
   */
  boolean textual();

  /**
   * Whether, with these options, the files of this format say which columns they hold ({@link
   * #columns} is not empty): only then can a file's undeclared columns be detected, and its records
   * quarantined for them (a source's {@code drift.added: quarantine}).
   */
  default boolean namesColumns(Map<String, String> options) {
    return false;
  }

  /**
   * The columns a file holds, as the file itself says (a CSV header, a Parquet footer), for
   * comparing with the declared schema; empty if the format carries no schema of its own (JSON, or
   * CSV without a header): the declared columns are then assumed. A textual format gives string
   * columns. Called once per file and partition, before anything is read.
   */
  default Optional<StructType> columns(SparkSession spark, String file, Map<String, String> options) {
    return Optional.empty();
  }

  /**
   * What the engine asks a format to read.
   *
   * @param files the files, all holding the same columns
   * @param columns the columns they hold ({@link #columns} found them, or the declared ones)
   * @param options the source's reader options, this format's defaults included
   * @param corrupt for a textual format, the string column to hold the record as it was wherever it
   *     could not be read into the columns (null elsewhere)
   * @param file the string column to hold the path of the file each record came from (a Spark file
   *     source has it as {@code _metadata.file_path})
   */
  record Read(List<String> files, StructType columns, Map<String, String> options, String corrupt, String file) {}

  /**
   * Reads files: one row per record with exactly the columns asked for, then, for a textual
   * format, {@link Read#corrupt}, and last {@link Read#file}.
   */
  Dataset<Row> read(SparkSession spark, Read read);

  /**
   * A record's text as the file held it, from its values in file order: kept with a row that is
   * rejected for one of its values (a textual format; the default joins them with a comma).
   */
  default Column record(List<Column> values, Map<String, String> options) {
    return org.apache.spark.sql.functions.concat_ws(",", values.toArray(Column[]::new));
  }

  /**
   * Checks a source's options when the definition is validated (the default: any).
   *
   * @throws IllegalArgumentException saying which option is wrong and how to fix it
   */
  default void validate(Map<String, String> options) {}

  /**
   * Whether the source is files under its {@code path} (CSV, JSON, Parquet: the default). A format
   * whose data lives elsewhere (a database, a queue) returns false, has no path, and implements
   * {@link #read(SparkSession, Query)} and {@link #contents}: the engine then asks it for one
   * partition's rows, and for what each partition holds, instead of listing files.
   */
  default boolean readsFiles() {
    return true;
  }

  /**
   * What the engine asks a source that is not files for.
   *
   * @param partition the partition to read ({@link Partition#whole()}: all of it)
   * @param columns the declared columns, typed
   * @param options the source's options, this format's defaults included
   * @param environment the process's environment and the run's {@code --env-file}: where
   *     connection settings and secrets come from (never print or return a secret)
   * @param definitionFolder the pipeline definition's folder, for relative paths in the options
   */
  record Query(
      Partition partition, StructType columns, Map<String, String> options, Map<String, String> environment, String definitionFolder) {
    public Query {
      options = Map.copyOf(options);
      environment = Map.copyOf(environment);
    }
  }

  /**
   * For a source that is not files: one partition's rows, with exactly the declared columns, typed
   * (the engine adds the partition column and the ingestion metadata).
   *
   * @throws IllegalArgumentException if the options and the environment do not say how to reach
   *     the source (a setting missing or wrong): the engine reports it as the definition's or the
   *     environment's error (exit 2), naming the source
   */
  default Dataset<Row> read(SparkSession spark, Query query) {
    throw new UnsupportedOperationException("format " + name() + " reads files");
  }

  /**
   * For a source that is not files: each partition of {@code query}'s (every one, for {@link
   * Partition#whole()}) that holds data, with a marker of what it holds that changes whenever its
   * data does (a count, a maximum update time): an incremental run reads a partition again when its
   * marker differs from the one recorded when it was last ingested.
   *
   * @throws IllegalArgumentException as {@link #read(SparkSession, Query)} does
   */
  default Map<Partition, String> contents(SparkSession spark, Query query) {
    throw new UnsupportedOperationException("format " + name() + " reads files");
  }

  /** Why a record that could not be read is rejected, in words (after {@code malformed: }). */
  default String unreadable(StructType columns) {
    return "the record cannot be read into the " + columns.size() + " declared fields";
  }

  /**
   * Why a record that could not be read is rejected, in words (after {@code malformed: }), from
   * the record's own text: a format that can tell what it found (CSV: how many fields the line has)
   * says so here. Evaluated only for records that could not be read. The default is {@link
   * #unreadable(StructType)}.
   *
   * @param record the record as the file held it (the {@link Read#corrupt} column)
   * @param columns the columns the record was read into
   * @param options the source's reader options
   */
  default Column unreadable(Column record, StructType columns, Map<String, String> options) {
    return org.apache.spark.sql.functions.lit(unreadable(columns));
  }
}

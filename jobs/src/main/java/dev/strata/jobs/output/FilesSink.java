package dev.strata.jobs.output;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import dev.strata.api.Options;
import dev.strata.api.Partition;
import dev.strata.api.Sink;
import dev.strata.jobs.definition.PathTemplate;
import dev.strata.jobs.io.HadoopFiles;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * The {@code files} output: each published partition written as CSV (with a header) or Parquet to
 * a folder of its own, named by a path template ({@code exports/account_summary/{date}}; the
 * tokens of a source's path: {@code {date}}, {@code {hour}}, {@code {month}}, with patterns), with
 * a {@code _SUCCESS} marker, as a downstream job or a sensor expects.
 *
 * <p>The files are written to a folder beside the target, and moved into place only once they are
 * all there: a reader sees the partition's previous files or the new ones, and a delivery killed
 * half-way leaves the previous ones. A re-run replaces the partition's files, never adds to them.
 *
 * <p>Options: {@code path} (required; relative to the warehouse, or absolute, or a URI), {@code
 * format} ({@code csv}, the default, or {@code parquet}), {@code header} (CSV, default true),
 * {@code files} (how many files: by default as many as Spark writes, {@code 1} for one file).
 */
public final class FilesSink implements Sink {
  private static final Set<String> OPTIONS = Set.of("path", "format", "header", "files");
  private static final List<String> FORMATS = List.of("csv", "parquet");

  @Override
  public String name() {
    return "files";
  }

  @Override
  public void validate(Options options) {
    for (String key : options.asMap().keySet()) {
      if (!OPTIONS.contains(key)) {
        throw new IllegalArgumentException("unknown option '" + key + "' of the files output; its options are " + new java.util.TreeSet<>(OPTIONS));
      }
    }
    String path = options.require("path");
    List<String> problems = PathTemplate.of(path).problems();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("path '" + path + "': " + String.join("; ", problems));
    }
    String format = options.get("format", "csv");
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException("format: '" + format + "' is not one of " + FORMATS);
    }
    if (options.getLong("files", 1) < 1) {
      throw new IllegalArgumentException("files: at least 1");
    }
  }

  /**
   * The folder of one partition: the path template rendered, against the warehouse if relative.
   *
   * @throws IllegalArgumentException if the path names no partition for a partitioned table
   */
  static String target(String path, String warehouse, Partition partition) {
    PathTemplate template = PathTemplate.of(path);
    if (!partition.isWhole() && template.granularity() == Partition.Granularity.NONE) {
      throw new IllegalArgumentException("path '" + path + "' names no partition ({date}, {hour} or {month}), so every partition's"
          + " delivery would replace the others'; add the token of the table's partitions");
    }
    return dev.strata.jobs.io.Warehouse.at(warehouse).resolve(template.render(partition));
  }

  @Override
  public Receipt deliver(Delivery delivery, Options options) {
    String target = target(options.require("path"), delivery.warehouse(), delivery.partition());
    String format = options.get("format", "csv");
    HadoopFiles files = new HadoopFiles(delivery.rows().sparkSession().sparkContext().hadoopConfiguration());
    String folder = target.replaceAll("/+$", "");
    int slash = folder.lastIndexOf('/');
    String parent = folder.substring(0, slash);
    String leaf = folder.substring(slash + 1);
    String staged = parent + "/_strata_" + leaf + "_" + delivery.runId() + ".tmp";
    String previous = parent + "/_strata_" + leaf + "_" + delivery.runId() + ".old";
    files.delete(staged);
    Dataset<Row> rows = delivery.rows();
    if (options.get("files").isPresent()) {
      rows = rows.coalesce((int) options.getLong("files", 1));
    }
    // The rows are counted as they are written: no second pass over them. The name is unique: Spark
    // hands an observation the metrics of any query with its name, and partitions deliver side by side.
    Observation counted = new Observation("strata-output-" + java.util.UUID.randomUUID());
    rows = rows.observe(counted, count(lit(1)).as("rows"));
    var writer = rows.write().mode(SaveMode.ErrorIfExists).format(format);
    if (format.equals("csv")) {
      writer = writer.option("header", String.valueOf(options.getBoolean("header", true)));
    }
    writer.save(staged);
    long written;
    try {
      written = ((Number) counted.getAsJava().get("rows")).longValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the files of " + delivery.table() + " " + delivery.partition() + " were written", e);
    }
    if (!files.exists(staged + "/_SUCCESS")) {
      files.writeText(staged + "/_SUCCESS", "");
    }
    // Into place: the previous files aside, the new ones in, the previous ones gone.
    boolean had = files.exists(folder);
    if (had) {
      files.delete(previous);
      files.rename(folder, previous);
    }
    try {
      files.rename(staged, folder);
    } catch (RuntimeException e) {
      if (had) {
        files.rename(previous, folder);
      }
      throw e;
    }
    if (had) {
      files.delete(previous);
    }
    return new Receipt(written, folder);
  }
}

package dev.strata.jobs.engine;

import dev.strata.api.Partition;
import dev.strata.jobs.definition.ColumnSpec;
import dev.strata.jobs.definition.StepSpec;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.Partitions;
import dev.strata.jobs.run.StepRun;
import dev.strata.jobs.step.StepFailedException;
import dev.strata.jobs.step.StepProcess;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The transform of a table built by an external step ({@code step:}): writes the build's inputs
 * for the command, runs it (one attempt), keeps its log with the run's report, and reads back what
 * it wrote, which the build then splits, gates and publishes like a transform's rows.
 *
 * <p>The command sees local folders: where the warehouse is on the local file system its staging
 * folder itself, elsewhere (an object store) a temporary folder the inputs are copied to and its
 * output copied from, so that a script needs no storage client.
 *
 * <p>Its environment, over the process's own and the run's {@code --env-file}: the step's {@code
 * env}, then {@code STRATA_PIPELINE}, {@code STRATA_TABLE}, {@code STRATA_LAYER}, {@code
 * STRATA_RUN_ID}, {@code STRATA_ATTEMPT}, {@code STRATA_PARTITION} (as the ledger writes it: {@code
 * 2024-03-01}, {@code 2024-03-01T05}, {@code 2024-03}, {@code all}), {@code STRATA_PARTITION_COLUMN},
 * {@code STRATA_PARTITION_START} and {@code _END} (ISO local date-times, end exclusive), {@code
 * STRATA_FORMAT}, {@code STRATA_INPUTS} (the input names, comma-separated), {@code
 * STRATA_INPUT_<NAME>} (a folder of the input's rows for the partition, the name upper-cased),
 * {@code STRATA_OUTPUT} (the empty folder to write the table's rows to) and {@link
 * StepProcess#METRICS_FILE}.
 */
final class ExternalSteps {
  private final RunScope run;

  ExternalSteps(RunScope run) {
    this.run = run;
  }

  /**
   * What one run of a step gave: the rows it wrote (read lazily from staging, which outlives the
   * build's write) and what the ledger records of it.
   */
  record Outcome(Dataset<Row> rows, StepRun record) {}

  /**
   * Runs {@code table}'s step for {@code partition} over its inputs.
   *
   * @throws StepFailedException if the command exited non-zero or ran past its timeout
   * @throws dev.strata.api.StrataException.JobFailedException if it could not start, or exited 0
   *     but wrote nothing
   */
  Outcome run(SparkSession session, TableDefinition table, Partition partition, Map<String, Dataset<Row>> inputs, String staging, int attempt) {
    StepSpec spec = table.step();
    String stepRoot = staging + "/step";
    org.apache.hadoop.fs.Path stagingRoot = new org.apache.hadoop.fs.Path(stepRoot);
    FileSystem fs;
    try {
      fs = stagingRoot.getFileSystem(session.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean local = fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem;
    Path folder;
    try {
      folder = local ? new File(stagingRoot.toUri().getPath()).toPath() : Files.createTempDirectory("strata-step-");
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      // 1. The inputs, each restricted to the partition as a transform would see it.
      Map<String, String> env = new LinkedHashMap<>(run.ctx().env());
      env.putAll(spec.env());
      for (Map.Entry<String, Dataset<Row>> input : inputs.entrySet()) {
        String at = stepRoot + "/inputs/" + input.getKey();
        write(input.getValue(), spec.format(), at);
        Path localInput = folder.resolve("inputs").resolve(input.getKey());
        if (!local) {
          fs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(at), new org.apache.hadoop.fs.Path(localInput.toUri()), true);
        }
        env.put("STRATA_INPUT_" + variable(input.getKey()), localInput.toString());
      }
      Path output = folder.resolve("output");
      Files.createDirectories(output);
      Path metrics = folder.resolve("metrics.json");
      env.put("STRATA_PIPELINE", run.pipeline().name());
      env.put("STRATA_TABLE", table.name());
      env.put("STRATA_LAYER", table.layer().key());
      env.put("STRATA_RUN_ID", run.runId());
      env.put("STRATA_ATTEMPT", String.valueOf(attempt));
      env.put("STRATA_PARTITION", partition.toString());
      env.put("STRATA_PARTITION_COLUMN", table.unpartitioned() ? "" : table.partitionColumn());
      env.put("STRATA_PARTITION_START", partition.isWhole() ? "" : partition.start().toString());
      env.put("STRATA_PARTITION_END", partition.isWhole() ? "" : partition.end().toString());
      env.put("STRATA_FORMAT", spec.format());
      env.put("STRATA_INPUTS", String.join(",", inputs.keySet()));
      env.put("STRATA_OUTPUT", output.toString());
      env.put(StepProcess.METRICS_FILE, metrics.toString());

      // 2. The command, its log kept with the run's report.
      Path log = folder.resolve("step.log");
      List<String> command = command(spec);
      StepProcess.Result result;
      try {
        result = StepProcess.run(command, spec.definitionFolder(), env, spec.timeout(), log, run.ctx().env());
      } catch (IllegalArgumentException e) {
        throw failed(table, partition, "its step could not start (" + e.getMessage() + "); check step.command at " + spec.where());
      }
      String keptLog = run.ctx().warehouse().reportDir(run.runId()) + "/steps/" + table.name() + "/" + partition + "/attempt-" + attempt + ".log";
      fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(log.toUri()), new org.apache.hadoop.fs.Path(keptLog));
      StepRun record = new StepRun(result.exitCode(), result.metrics(), keptLog);
      if (!result.succeeded()) {
        boolean retry = !result.timedOut() && spec.transientExitCodes().contains(result.exitCode());
        String what = result.timedOut()
            ? "was killed after running past its timeout of " + dev.strata.jobs.definition.Durations.format(spec.timeout())
            : "exited with code " + result.exitCode() + (retry ? " (declared transient: retried)" : "");
        throw new StepFailedException(
            "The step of '" + table.name() + "' for " + partition + " " + what + ". Its log: " + keptLog
                + (result.tail().isEmpty() ? " (empty)." : "; its last lines:\n  " + String.join("\n  ", result.tail())),
            record, retry);
      }
      // 3. What it wrote.
      String written = stepRoot + "/output";
      if (!local) {
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(output.toUri()), new org.apache.hadoop.fs.Path(written));
      }
      return new Outcome(read(session, table, partition, spec, written), record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (!local) {
        try {
          run.ctx().files().delete(folder.toUri().toString());
        } catch (RuntimeException ignored) {
          // a temporary folder
        }
      }
    }
  }

  /** The program and its arguments: a relative program path ({@code ./x}, {@code bin/x}) is the definition folder's. */
  static List<String> command(StepSpec spec) {
    String program = spec.command().get(0);
    if (program.contains("/") && !Path.of(program).isAbsolute()) {
      program = spec.definitionFolder().resolve(program).normalize().toString();
    }
    List<String> command = new java.util.ArrayList<>(spec.command());
    command.set(0, program);
    return command;
  }

  /** An input's name as part of a variable's: upper case, anything but letters and digits an underscore. */
  static String variable(String name) {
    return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  private static void write(Dataset<Row> rows, String format, String path) {
    var writer = rows.write().mode("overwrite").format(format);
    if (format.equals("csv")) {
      writer = writer.option("header", "true");
    }
    writer.save(path);
  }

  private Dataset<Row> read(SparkSession session, TableDefinition table, Partition partition, StepSpec spec, String path) {
    StructType declared = spec.schema().isEmpty() ? null
        : new StructType(spec.schema().stream().map((ColumnSpec c) -> DataTypes.createStructField(c.name(), c.type(), true)).toArray(StructField[]::new));
    boolean wroteNothing = run.ctx().files().dataFiles(path).isEmpty();
    if (wroteNothing && declared == null) {
      throw failed(table, partition, "its step exited 0 but wrote no " + spec.format() + " file to STRATA_OUTPUT ("
          + path + "); a step writes the partition's rows there, or declares step.schema so that no files means no rows");
    }
    DataFrameReader reader = session.read().format(spec.format());
    if (spec.format().equals("csv")) {
      reader = reader.option("header", "true");
    }
    if (declared != null) {
      reader = reader.schema(declared);
    }
    Dataset<Row> rows = wroteNothing
        ? session.createDataFrame(List.of(), declared)
        : reader.load(path);
    if (!table.unpartitioned() && Arrays.stream(rows.columns()).noneMatch(c -> c.equalsIgnoreCase(table.partitionColumn()))) {
      // It wrote one partition's rows: the partition column is that partition.
      rows = rows.withColumn(table.partitionColumn(), Partitions.literal(true, partition));
    }
    return rows;
  }

  private static dev.strata.api.StrataException.JobFailedException failed(TableDefinition table, Partition partition, String what) {
    return new dev.strata.api.StrataException.JobFailedException("Cannot build '" + table.name() + "' for " + partition + ": " + what, null);
  }

}

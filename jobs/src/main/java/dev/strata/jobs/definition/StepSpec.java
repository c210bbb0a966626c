package dev.strata.jobs.definition;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A table built by a command Strata does not run itself ({@code step:}): a script, a binary, a
 * container's entry point. Per partition the engine writes the table's inputs (restricted to the
 * partition, as a transform would see them) to a folder, runs the command with the partition, the
 * input and output folders and the run in its environment, captures its log, exit code and the
 * metrics it reports, then reads what it wrote and gates and publishes it like any other build.
 *
 * @param command the program and its arguments; a program given as a relative path ({@code
 *     ./score.sh}, {@code bin/score}) is found in the definition's folder, a bare name on the PATH
 * @param env variables the command gets besides the process's own environment and Strata's
 * @param format how it reads its inputs and writes its output: {@code parquet} (the default,
 *     typed), {@code csv} (with a header) or {@code json} (one object per line)
 * @param schema the output's columns and types, in order, for a csv or json output (parquet files
 *     carry theirs); empty: as the files say (csv: every column text)
 * @param timeout how long one attempt may run before it is killed (a failure)
 * @param transientExitCodes exit codes that mean "try again" (a service was busy): retried as the
 *     table's {@code retry:} says; any other non-zero code fails the build
 * @param definitionFolder the folder the command runs in, and relative programs are found in
 * @param where file:line of the declaration
 */
public record StepSpec(
    List<String> command, Map<String, String> env, String format, List<ColumnSpec> schema, Duration timeout, Set<Integer> transientExitCodes,
    Path definitionFolder, String where) {
  /** The formats a step reads and writes. */
  public static final List<String> FORMATS = List.of("parquet", "csv", "json");

  /** How long an attempt may run unless declared. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

  public StepSpec {
    command = List.copyOf(command);
    env = Map.copyOf(env);
    schema = List.copyOf(schema);
    transientExitCodes = Set.copyOf(transientExitCodes);
  }
}

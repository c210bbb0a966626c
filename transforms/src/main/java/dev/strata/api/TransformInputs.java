package dev.strata.api;

import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a {@link TableTransform} builds from: its named inputs, each already restricted to the
 * partition being built, the partition, and the options its definition gives it. Immutable.
 */
public final class TransformInputs {
  private final Map<String, Dataset<Row>> inputs;
  private final Partition partition;
  private final Options options;

  private TransformInputs(Map<String, Dataset<Row>> inputs, Partition partition, Options options) {
    this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    this.partition = Objects.requireNonNull(partition, "partition");
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * @param inputs input name (a source or a table of the pipeline) to its rows for the partition
   * @param partition the partition being built
   * @param options the transform's options from its definition
   */
  public static TransformInputs of(Map<String, Dataset<Row>> inputs, Partition partition, Options options) {
    Objects.requireNonNull(inputs, "inputs");
    return new TransformInputs(inputs, partition, options);
  }

  /** Inputs for one day, without options: for tests of a transform. */
  public static TransformInputs of(Map<String, Dataset<Row>> inputs, LocalDate day) {
    return of(inputs, Partition.day(day), Options.NONE);
  }

  /** A single input for one day, for tests and one-input transforms. */
  public static TransformInputs of(String name, Dataset<Row> rows, LocalDate day) {
    return of(Map.of(name, rows), day);
  }

  /**
   * The rows of one declared input.
   *
   * @throws IllegalArgumentException if the transform asks for an input the table does not declare
   */
  public Dataset<Row> get(String name) {
    Dataset<Row> rows = inputs.get(name);
    if (rows == null) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot find input '%s': the table declares only %s. Add '%s' to the table's inputs"
                  + " in its pipeline definition.",
              name, inputs.keySet(), name));
    }
    return rows;
  }

  /** The names of the declared inputs, in declaration order. */
  public Set<String> names() {
    return inputs.keySet();
  }

  /** The partition being built. */
  public Partition partition() {
    return partition;
  }

  /** The options the table's definition gives its transform ({@link Options#NONE} if none). */
  public Options options() {
    return options;
  }
}

package dev.strata.transforms;

import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The named inputs of a {@link TableTransform} and the partition being built. Immutable. */
public final class TransformInputs {
  private final Map<String, Dataset<Row>> inputs;
  private final LocalDate partition;

  private TransformInputs(Map<String, Dataset<Row>> inputs, LocalDate partition) {
    this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    this.partition = partition;
  }

  /**
   * @param inputs input name (a source or a table of the pipeline) to its rows for the partition
   * @param partition the partition value being built
   */
  public static TransformInputs of(Map<String, Dataset<Row>> inputs, LocalDate partition) {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(partition, "partition");
    return new TransformInputs(inputs, partition);
  }

  /** A single input, for tests and one-input transforms. */
  public static TransformInputs of(String name, Dataset<Row> rows, LocalDate partition) {
    return of(Map.of(name, rows), partition);
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

  /** The partition value being built (the run's date). */
  public LocalDate partition() {
    return partition;
  }
}

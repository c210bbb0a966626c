package dev.strata.api;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The business logic of one table: a pure function from its named inputs to its rows.
 *
 * <p>Implementations must not read or write storage, create sessions or read configuration: the
 * engine reads the inputs for the partition being built, and publishes the result only after the
 * table's quality gate passed. The same inputs must give the same rows, so that re-running a
 * partition is idempotent.
 *
 * <p>A pipeline definition names an implementation by its class, with optional parameters that the
 * transform reads from {@link TransformInputs#options()}:
 *
 * <pre>{@code
 * transform: com.example.Dedupe                       # the class alone
 * transform: {class: com.example.Dedupe, options: {keep: latest, order_by: updated_at}}
 * }</pre>
 *
 * It needs a public no-argument constructor.
 */
public interface TableTransform {

  /**
   * A stable name for this transform, used in logs, the Spark UI, the ledger and reports. Defaults
   * to the simple class name.
   */
  default String name() {
    return getClass().getSimpleName();
  }

  /**
   * Checks the options a definition gives this transform, when the definition is validated ({@code
   * strata validate}, and before every run): a missing or malformed option is then a definition
   * error with file:line, not a failed build at 3 AM. Does nothing unless overridden.
   *
   * @throws IllegalArgumentException saying which option is wrong and how to fix it ({@link
   *     Options#require} and the typed getters throw such messages)
   */
  default void validate(Options options) {}

  /**
   * Builds the table's rows for one partition.
   *
   * @param inputs the declared inputs, each already restricted to the partition being built
   * @return the rows to publish; must contain the table's partition column
   */
  Dataset<Row> apply(TransformInputs inputs);
}

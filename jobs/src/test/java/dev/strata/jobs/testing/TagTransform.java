package dev.strata.jobs.testing;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.repeat;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import dev.strata.api.Options;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A parameterized transform: adds the column {@code column} holding {@code value} repeated {@code
 * times} (default 1) to its one input. One class, several tables.
 */
public final class TagTransform implements TableTransform {
  @Override
  public void validate(Options options) {
    options.require("column");
    options.require("value");
    if (options.getLong("times", 1) < 1) {
      throw new IllegalArgumentException("Option 'times' must be at least 1.");
    }
  }

  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    Options options = inputs.options();
    Dataset<Row> rows = inputs.get(inputs.names().iterator().next());
    return rows.withColumn(options.require("column"), repeat(lit(options.require("value")), (int) options.getLong("times", 1)));
  }
}

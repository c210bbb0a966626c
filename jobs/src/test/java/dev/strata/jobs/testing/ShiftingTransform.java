package dev.strata.jobs.testing;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import java.util.Objects;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * A transform that gives other rows each time it is computed while its plan looks deterministic:
 * column {@code shift} is 0 or 1 by a hash of the row's id and the Spark stage computing it,
 * through a UDF Spark takes for deterministic. One computation agrees with itself; computed again
 * (another stage), about half the rows change. What a window ordered by a column with ties does,
 * made certain.
 */
public final class ShiftingTransform implements TableTransform {
  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    Dataset<Row> rows = inputs.get(inputs.names().iterator().next());
    var shift = udf((UDF1<String, Integer>) id -> Math.floorMod(Objects.hash(id, TaskContext.get().stageId()), 2), DataTypes.IntegerType);
    return rows.withColumn("shift", shift.apply(col("id")));
  }
}

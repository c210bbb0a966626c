package dev.strata.jobs.testing;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A transform whose job fails when it runs, as a buggy user transform would. */
public final class ExplodingTransform implements TableTransform {
  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    return inputs.get("b").map(
        (org.apache.spark.api.java.function.MapFunction<Row, Row>)
            r -> {
              throw new IllegalStateException("boom: cannot handle row " + r.getString(0));
            },
        org.apache.spark.sql.Encoders.row(inputs.get("b").schema()));
  }
}

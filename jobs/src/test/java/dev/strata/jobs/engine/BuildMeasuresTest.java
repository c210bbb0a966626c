package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Duplicate keys of a build's rows: a small partition's keys are counted in the driver, a large
 * one's by a distinct count; both say the same, nulls in a key included (a key with a null is a
 * value like any other, as Spark's count of distinct structs has it).
 */
class BuildMeasuresTest {
  @TempDir Path dir;

  private TableDefinition keyed() {
    Path p = TinyPipeline.define(dir, "m", TinyPipeline.withBronze("m", "") + """
          s:
            layer: silver
            inputs: [b]
            key: [k1, k2]
            sql: s.sql
        """, "b.sql", TinyPipeline.BRONZE_SQL, "s.sql", "SELECT id AS k1, id AS k2, as_of_date FROM b");
    return PipelineValidator.validateOrThrow(p.resolve("pipeline.yaml"), "m").table("s");
  }

  @Test
  void smallAndLargePartitionsCountTheSameDuplicateKeys() {
    List<Row> rows = Arrays.asList(
        RowFactory.create("a", 1, "x"), RowFactory.create("a", 1, "y"), RowFactory.create("b", null, "x"),
        RowFactory.create("b", null, "y"), RowFactory.create("c", 2, "x"), RowFactory.create(null, null, "x"),
        RowFactory.create(null, null, "y"), RowFactory.create("a", 2, "z"));
    Dataset<Row> written = SparkTestSession.get().createDataFrame(rows, StructType.fromDDL("k1 STRING, k2 INT, v STRING"));
    TableDefinition table = keyed();
    // 8 rows, 5 distinct keys: (a,1) (b,null) (c,2) (null,null) (a,2).
    long inDriver = BuildMeasures.duplicates(written, table, rows.size());
    long byDistinctCount = BuildMeasures.duplicates(written, table, BuildMeasures.COUNTED_IN_DRIVER + 1);
    assertThat(inDriver).isEqualTo(3);
    assertThat(byDistinctCount).isEqualTo(inDriver);
    assertThat(BuildMeasures.duplicates(written, table, -1)).isEqualTo(3);
    assertThat(BuildMeasures.duplicates(written.drop("k2"), table, rows.size())).as("a table whose key is not among the columns").isEqualTo(-1);
  }
}

package dev.strata.jobs.engine;


import dev.strata.jobs.Errors;
import dev.strata.jobs.StrataException;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.Partitions;
import dev.strata.jobs.io.SourceReader;
import dev.strata.jobs.io.StagedPartition;
import dev.strata.quality.CompiledRule;
import dev.strata.quality.GateResult;
import dev.strata.quality.QualityGate;
import dev.strata.quality.RuleGroup;
import dev.strata.transforms.TableTransform;
import dev.strata.transforms.TransformInputs;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Builds one partition of one table: read its inputs, apply its transform, stage the result, run
 * its gate, and publish only if the gate passed.
 *
 * <p>Each build runs in its own child session ({@link SparkSession#newSession()}), so that the
 * temporary views a SQL transform reads its inputs from never collide with another build's.
 */
final class TableBuilder {
  private final EngineContext ctx;
  private final Pipeline pipeline;
  private final String runId;
  private final Timestamp ingestedAt;
  private final SourceReader sources;

  TableBuilder(EngineContext ctx, Pipeline pipeline, String runId, Instant runStart, SourceReader sources) {
    this.ctx = ctx;
    this.pipeline = pipeline;
    this.runId = runId;
    this.ingestedAt = Timestamp.from(runStart);
    this.sources = sources;
  }

  TableBuildResult build(TableDefinition table, LocalDate partition) {
    Instant start = ctx.clock().instant();
    SparkSession session = ctx.spark().newSession();
    session.sparkContext().setJobGroup(runId, table.name() + " " + partition, false);
    String staging = ctx.warehouse().stagingPath(runId, table.name(), partition);
    try {
      Map<String, Dataset<Row>> inputs = readInputs(session, table, partition);
      Dataset<Row> output = transform(session, table, inputs, partition);
      StagedPartition staged = StagedPartition.stage(session, table.name(), output, table.partitionColumn(), partition, staging);
      long rows = staged.rows().count();

      List<CompiledRule> datasetRules =
          pipeline.rules(table.name()).stream()
              .filter(r -> r.spec().group() != RuleGroup.QUARANTINE)
              .toList();
      GateResult gate = QualityGate.evaluate(staged.rows(), datasetRules, inputs);
      if (!gate.passed()) {
        // The staged rows stay for inspection; the table is untouched.
        return result(table, partition, BuildStatus.BLOCKED, rows, -1, start, gate,
            "gate blocked publication; the rows it checked are at " + staging);
      }
      long version = staged.commit(ctx.warehouse().tablePath(table.layer(), table.name()));
      ctx.files().delete(staging);
      return result(table, partition, BuildStatus.PUBLISHED, rows, version, start, gate, "");
    } catch (StrataException e) {
      BuildStatus status =
          switch (e.exitCode()) {
            case 2 -> BuildStatus.INVALID;
            case 5 -> BuildStatus.NOT_READY;
            default -> BuildStatus.FAILED;
          };
      cleanUp(staging);
      return result(table, partition, status, -1, -1, start, new GateResult(List.of()), e.getMessage());
    } catch (Exception e) {
      cleanUp(staging);
      String message = Errors.buildFailed(table.name(), partition, e.getClass().getSimpleName(), e).getMessage();
      return result(table, partition, BuildStatus.FAILED, -1, -1, start, new GateResult(List.of()), message);
    } finally {
      session.sparkContext().clearJobGroup();
    }
  }

  private void cleanUp(String staging) {
    try {
      ctx.files().delete(staging);
    } catch (RuntimeException ignored) {
      // Best effort: staging is under the run's own folder and never read by anyone else.
    }
  }

  private Map<String, Dataset<Row>> readInputs(SparkSession session, TableDefinition table, LocalDate partition) {
    Map<String, Dataset<Row>> inputs = new LinkedHashMap<>();
    for (String input : table.inputs()) {
      var source = pipeline.definition().source(input);
      if (source.isPresent()) {
        inputs.put(input, sources.read(session, source.get(), partition, ingestedAt));
      } else {
        inputs.put(input, readTable(session, table.name(), pipeline.table(input), partition));
      }
    }
    return inputs;
  }

  private Dataset<Row> readTable(SparkSession session, String reader, TableDefinition upstream, LocalDate partition) {
    String path = ctx.warehouse().tablePath(upstream.layer(), upstream.name());
    if (!DeltaTable.isDeltaTable(session, path)) {
      throw Errors.upstreamNeverPublished(reader, upstream.name(), partition, path);
    }
    Dataset<Row> rows = session.read().format("delta").load(path);
    return rows.where(Partitions.equalTo(rows.schema(), upstream.partitionColumn(), partition));
  }

  private Dataset<Row> transform(
      SparkSession session, TableDefinition table, Map<String, Dataset<Row>> inputs, LocalDate partition) {
    if (table.transformClass() != null) {
      TableTransform transform;
      try {
        transform =
            Class.forName(table.transformClass(), true, Thread.currentThread().getContextClassLoader())
                .asSubclass(TableTransform.class)
                .getConstructor()
                .newInstance();
      } catch (ReflectiveOperationException e) {
        throw Errors.buildFailed(table.name(), partition, "cannot create transform " + table.transformClass(), e);
      }
      return transform.apply(TransformInputs.of(inputs, partition));
    }
    inputs.forEach((name, rows) -> rows.createOrReplaceTempView(name));
    return session.sql(pipeline.sql(table.name()));
  }

  private TableBuildResult result(
      TableDefinition table,
      LocalDate partition,
      BuildStatus status,
      long rows,
      long version,
      Instant start,
      GateResult gate,
      String message) {
    Duration duration = Duration.between(start, ctx.clock().instant());
    return new TableBuildResult(table.name(), table.layer(), partition, status, rows, version, duration, gate, message);
  }
}

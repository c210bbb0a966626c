package dev.strata.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * What a run did: one {@link BuildOutcome} per table partition it built, skipped or refused.
 *
 * @param runId the run's id, as the ledger and the reports name it
 * @param pipeline the pipeline's name
 * @param partitions the partitions the run covered
 * @param startedAt when it started
 * @param endedAt when it ended
 * @param builds its builds in the order they ended
 * @param reportPath where its quality report was written, or empty
 */
public record RunOutcome(
    String runId, String pipeline, List<Partition> partitions, Instant startedAt, Instant endedAt, List<BuildOutcome> builds,
    String reportPath) {
  /** The columns of {@link #toDataset}: one row per build. */
  public static final StructType SCHEMA =
      StructType.fromDDL(
          "run_id STRING, table STRING, layer STRING, partition STRING, status STRING, rows_in BIGINT, rows_published BIGINT,"
              + " rows_quarantined BIGINT, rows_filtered BIGINT, rules_failed ARRAY<STRING>, delta_version BIGINT, attempt INT,"
              + " message STRING");

  public RunOutcome {
    partitions = List.copyOf(partitions);
    builds = List.copyOf(builds);
  }

  /** The worst outcome among the builds ({@link BuildStatus#PUBLISHED} if there were none). */
  public BuildStatus status() {
    return BuildStatus.worst(builds.stream().map(BuildOutcome::status).toList());
  }

  /** The outcome of one table partition, if the run had it. */
  public Optional<BuildOutcome> build(String table, Partition partition) {
    return builds.stream().filter(b -> b.table().equals(table) && b.partition().equals(partition)).reduce((first, later) -> later);
  }

  /** The builds as a Dataset a notebook can display, one row per build ({@link #SCHEMA}). */
  public Dataset<Row> toDataset(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    for (BuildOutcome b : builds) {
      List<String> failed = b.failedRules().stream().map(r -> r.rule() + ": " + r.words()).toList();
      BuildOutcome.Rows n = b.rows();
      rows.add(
          RowFactory.create(
              runId, b.table(), b.layer(), b.partition().toString(), b.status().name(), n.known() ? n.in() : null,
              n.known() ? n.published() : null, n.known() ? n.quarantined() : null, n.known() ? n.filtered() : null,
              scala.collection.JavaConverters.asScalaBufferConverter(failed).asScala().toSeq(),
              b.version().isPresent() ? b.version().getAsLong() : null, b.attempt(), b.message()));
    }
    return spark.createDataFrame(rows, SCHEMA);
  }
}

package dev.strata.jobs.definition;

import dev.strata.quality.RuleSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * A table of the pipeline.
 *
 * @param name the table's name, unique in the pipeline
 * @param layer its layer; decides where it lives in the warehouse
 * @param inputs sources or tables it reads, each restricted to the partition being built
 * @param transform its Java transform and the options it is given, or null
 * @param sqlFile a Spark SQL file referring to the inputs by name, or null
 * @param partitionColumn the column whose value is the partition being built
 * @param rules its DQDL rules by group, the built-in not-empty rule included unless opted out
 * @param rowsFrom the input whose rows this table's rows are, one for one (the only input unless
 *     declared), or {@link #AGGREGATE} for a table whose rows are computed, one per group
 * @param removes why the transform may drop rows of {@code rowsFrom} (a filter, a deduplication), or
 *     null if it never does: rows that disappear without a declared reason fail the build
 * @param maxQuarantineRatio above this share of its rows quarantined, the build is blocked: a
 *     flood of bad rows is an incident, not routine
 * @param retry how transient failures of its builds are retried
 * @param history set for an SCD2 history table over its one input, else null
 * @param key the columns that identify a row (the history key if not declared), whose duplicates
 *     every build counts; empty if none
 * @param volume the volume anomaly rule, or null
 * @param freshness how old its newest data may be before the builds reading it warn or refuse, or null
 * @param checks the checks from extensions its gate runs beside its rules
 * @param sinks where its published partitions are delivered besides its Delta table
 * @param where file:line of the declaration
 */
public record TableDefinition(
    String name,
    Layer layer,
    List<String> inputs,
    TransformSpec transform,
    Path sqlFile,
    String partitionColumn,
    List<RuleSpec> rules,
    String rowsFrom,
    String removes,
    double maxQuarantineRatio,
    RetryPolicy retry,
    History history,
    List<String> key,
    VolumeRule volume,
    Freshness freshness,
    List<CheckSpec> checks,
    List<SinkSpec> sinks,
    String where) {
  /** {@code rows_from: aggregate}: the table's rows are computed, so no input row count applies. */
  public static final String AGGREGATE = "aggregate";

  /**
   * An SCD2 history table: each build applies its input's partition, a full snapshot, to the
   * history with a Delta MERGE keyed by the business key.
   *
   * @param key the business key columns
   * @param tracked the columns whose change makes a new version (empty: every column but the key and
   *     the partition column)
   * @param softDelete whether keys missing from a snapshot are closed and flagged deleted (else kept open)
   */
  public record History(List<String> key, List<String> tracked, boolean softDelete) {}

  /** The Java transform's class name, or null for a SQL or history table. */
  public String transformClass() {
    return transform == null ? null : transform.className();
  }

  public boolean isHistory() {
    return history != null;
  }
}

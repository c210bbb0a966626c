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
 * @param transformClass a {@link dev.strata.transforms.TableTransform} class name, or null
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
 * @param where file:line of the declaration
 */
public record TableDefinition(
    String name,
    Layer layer,
    List<String> inputs,
    String transformClass,
    Path sqlFile,
    String partitionColumn,
    List<RuleSpec> rules,
    String rowsFrom,
    String removes,
    double maxQuarantineRatio,
    RetryPolicy retry,
    String where) {
  /** The share of rows a table may quarantine unless it sets max_quarantine_ratio. */
  public static final double MAX_QUARANTINE_RATIO_DEFAULT = 0.05;
  /** {@code rows_from: aggregate}: the table's rows are computed, so no input row count applies. */
  public static final String AGGREGATE = "aggregate";
}

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

  public TableDefinition {
    java.util.Objects.requireNonNull(name, "name");
    inputs = List.copyOf(inputs);
    rules = List.copyOf(rules);
    key = List.copyOf(key);
    checks = List.copyOf(checks);
    sinks = List.copyOf(sinks);
  }

  /** A table definition named part by part: what is not set is as a definition that leaves it out. */
  public static Builder builder(String name, Layer layer, String where) {
    return new Builder(name, layer, where);
  }

  /** Names each part of a {@link TableDefinition} as it is set; unset parts take the defaults of {@link Keys}. */
  public static final class Builder {
    private final String name;
    private final Layer layer;
    private final String where;
    private List<String> inputs = List.of();
    private TransformSpec transform;
    private Path sqlFile;
    private String partitionColumn = Keys.PARTITION_COLUMN_DEFAULT;
    private List<RuleSpec> rules = List.of();
    private String rowsFrom;
    private String removes;
    private double maxQuarantineRatio = Keys.MAX_QUARANTINE_RATIO_DEFAULT;
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private History history;
    private List<String> key = List.of();
    private VolumeRule volume;
    private Freshness freshness;
    private List<CheckSpec> checks = List.of();
    private List<SinkSpec> sinks = List.of();

    private Builder(String name, Layer layer, String where) {
      this.name = name;
      this.layer = layer;
      this.where = where;
    }

    public Builder inputs(List<String> value) {
      this.inputs = value;
      return this;
    }

    public Builder transform(TransformSpec value) {
      this.transform = value;
      return this;
    }

    public Builder sqlFile(Path value) {
      this.sqlFile = value;
      return this;
    }

    public Builder partitionColumn(String value) {
      this.partitionColumn = value;
      return this;
    }

    public Builder rules(List<RuleSpec> value) {
      this.rules = value;
      return this;
    }

    public Builder rowsFrom(String value) {
      this.rowsFrom = value;
      return this;
    }

    public Builder removes(String value) {
      this.removes = value;
      return this;
    }

    public Builder maxQuarantineRatio(double value) {
      this.maxQuarantineRatio = value;
      return this;
    }

    public Builder retry(RetryPolicy value) {
      this.retry = value;
      return this;
    }

    public Builder history(History value) {
      this.history = value;
      return this;
    }

    public Builder key(List<String> value) {
      this.key = value;
      return this;
    }

    public Builder volume(VolumeRule value) {
      this.volume = value;
      return this;
    }

    public Builder freshness(Freshness value) {
      this.freshness = value;
      return this;
    }

    public Builder checks(List<CheckSpec> value) {
      this.checks = value;
      return this;
    }

    public Builder sinks(List<SinkSpec> value) {
      this.sinks = value;
      return this;
    }

    public TableDefinition build() {
      return new TableDefinition(
          name, layer, inputs, transform, sqlFile, partitionColumn, rules, rowsFrom, removes, maxQuarantineRatio, retry, history, key, volume,
          freshness, checks, sinks, where);
    }
  }
}

package dev.strata.jobs.definition;

import dev.strata.api.Partition;
import dev.strata.quality.RuleSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A table of the pipeline.
 *
 * @param name the table's name, unique in the pipeline
 * @param layer its layer; decides where it lives in the warehouse
 * @param inputs sources or tables it reads, each restricted to the partition being built
 * @param transform its Java transform and the options it is given, or null
 * @param sqlFile a Spark SQL file referring to the inputs by name, or null
 * @param step a command that builds it, run by the engine per partition, or null
 * @param partitionColumn the column whose value is the partition being built (none for an
 *     unpartitioned table)
 * @param granularity how much time one partition covers (hour, day, month), or NONE for an
 *     unpartitioned table, rebuilt whole by every run; null only before the loader resolved it
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
 * @param outputs where its published partitions are delivered besides its Delta table
 * @param reads input tables read over a window of partitions up to the one being built (all of
 *     them, or a span such as the last 30 days), by input name; an input not named is read for the
 *     partition's own time
 * @param eventTime set for a table partitioned by event time, whose rows may land late: which
 *     partition each row of its {@code rows_from} input belongs to, and how late it may land; else null
 * @param zorderBy the columns {@code strata maintain} clusters each partition's files by ({@code
 *     OPTIMIZE ... ZORDER BY}), so that queries filtering by them skip files; empty: compaction only
 * @param where file:line of the declaration
 */
public record TableDefinition(
    String name,
    Layer layer,
    List<String> inputs,
    TransformSpec transform,
    Path sqlFile,
    StepSpec step,
    String partitionColumn,
    Partition.Granularity granularity,
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
    List<OutputSpec> outputs,
    Map<String, Window> reads,
    EventTime eventTime,
    List<String> zorderBy,
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

  /**
   * A table partitioned by event time whose input is partitioned by landing time: a partition
   * {@code E} reads the input's partitions {@code E .. E + lookback} and takes the rows whose event
   * time falls in {@code E}. A row that lands more than {@code lookback} after its event time is
   * quarantined ({@value #LATE}), never dropped; so is one without an event time or with one after
   * the partition it landed in.
   *
   * @param expression Spark SQL over the rows of {@code rows_from}: each row's event time (its
   *     partition is the one this time falls in)
   * @param lookback how long after its event time a row may land and still be published
   * @param where file:line of the declaration
   */
  public record EventTime(String expression, java.time.Duration lookback, String where) {
    /** The reason a row that landed too late is quarantined with, e.g. {@code late: beyond lookback of 3d}. */
    public String lateReason() {
      return "late: beyond lookback of " + Durations.format(lookback);
    }

    /** How many partitions of {@code granularity} the lookback spans (3 for 3d over days, 72 over hours). */
    public long partitions(Partition.Granularity granularity) {
      return granularity == Partition.Granularity.HOUR ? lookback.toHours() : lookback.toDays();
    }
  }

  /**
   * How much of an input table a partition reads: the input's partitions from {@code span} before
   * the partition's end through the partition (the last 30 days), or every one through it.
   *
   * @param span how far back, or null for every partition since the first
   * @param where file:line of the declaration
   */
  public record Window(java.time.Duration span, String where) {
    /** As a definition writes it: {@code all} or a duration such as {@code 30d}. */
    @Override
    public String toString() {
      return span == null ? "all" : Durations.format(span);
    }
  }

  /** The reason's prefix every row quarantined for arriving too late has. */
  public static final String LATE = "late: beyond lookback of <lookback>";

  /** The Java transform's class name, or null for a SQL or history table. */
  public String transformClass() {
    return transform == null ? null : transform.className();
  }

  public boolean isHistory() {
    return history != null;
  }

  /** Whether the table is unpartitioned: one partition ({@link Partition#whole()}), rebuilt whole by every run. */
  public boolean unpartitioned() {
    return granularity == Partition.Granularity.NONE;
  }

  /** This table with its granularity resolved. */
  public TableDefinition withGranularity(Partition.Granularity resolved) {
    return new TableDefinition(name, layer, inputs, transform, sqlFile, step, partitionColumn, resolved, rules, rowsFrom, removes,
        maxQuarantineRatio, retry, history, key, volume, freshness, checks, outputs, reads, eventTime, zorderBy, where);
  }

  public TableDefinition {
    java.util.Objects.requireNonNull(name, "name");
    inputs = List.copyOf(inputs);
    rules = List.copyOf(rules);
    key = List.copyOf(key);
    checks = List.copyOf(checks);
    outputs = List.copyOf(outputs);
    reads = Map.copyOf(reads);
    zorderBy = List.copyOf(zorderBy);
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
    private StepSpec step;
    private String partitionColumn = Keys.PARTITION_COLUMN_DEFAULT;
    private Partition.Granularity granularity = Partition.Granularity.DAY;
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
    private List<OutputSpec> outputs = List.of();
    private EventTime eventTime;
    private Map<String, Window> reads = Map.of();
    private List<String> zorderBy = List.of();

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

    public Builder step(StepSpec value) {
      this.step = value;
      return this;
    }

    public Builder partitionColumn(String value) {
      this.partitionColumn = value;
      return this;
    }

    public Builder granularity(Partition.Granularity value) {
      this.granularity = value;
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

    public Builder outputs(List<OutputSpec> value) {
      this.outputs = value;
      return this;
    }

    public Builder reads(Map<String, Window> value) {
      this.reads = value;
      return this;
    }

    public Builder eventTime(EventTime value) {
      this.eventTime = value;
      return this;
    }

    public Builder zorderBy(List<String> value) {
      this.zorderBy = value;
      return this;
    }

    public TableDefinition build() {
      return new TableDefinition(
          name, layer, inputs, transform, sqlFile, step, partitionColumn, granularity, rules, rowsFrom, removes, maxQuarantineRatio, retry, history, key, volume,
          freshness, checks, outputs, reads, eventTime, zorderBy, where);
    }
  }
}

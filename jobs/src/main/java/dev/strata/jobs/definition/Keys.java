package dev.strata.jobs.definition;

import java.util.Set;

/**
 * Every key of pipeline.yaml, by the mapping it belongs to, and the defaults of the settings a
 * definition may leave out: declared once, here (as Iceberg declares its table properties), so that
 * the loader, the validator's messages and the JSON Schema (conf/pipeline.schema.json, which
 * PipelineSchemaTest holds to these sets) cannot disagree.
 */
public final class Keys {
  private Keys() {}

  /** The top level of pipeline.yaml. */
  public static final Set<String> TOP = Set.of("pipeline", "description", "defaults", "sources", "tables", "alerts", "schedules", "retention", "catalog");
  /** {@code catalog:} */
  public static final Set<String> CATALOG = Set.of("database");
  /** {@code retention:} */
  public static final Set<String> RETENTION = Set.of("files", "staging", "quarantine", "reports");
  /** {@code defaults:} */
  public static final Set<String> DEFAULTS = Set.of("partition_column", "granularity", "retry");
  /** A source under {@code sources:}. */
  public static final Set<String> SOURCE = Set.of("path", "format", "options", "schema", "freshness", "drift", "partition", "circuit");
  /** A source's {@code circuit:}. */
  public static final Set<String> CIRCUIT = Set.of("failures", "cool_down");
  /** A source's {@code drift:}. */
  public static final Set<String> DRIFT = Set.of("added", "approved_removals");
  /** A table under {@code tables:}. */
  public static final Set<String> TABLE =
      Set.of(
          "layer", "inputs", "transform", "sql", "partition_column", "granularity", "event_time", "reads", "allow_empty", "rules", "max_quarantine_ratio", "rows_from",
          "removes", "description", "retry", "history", "key", "volume", "freshness", "checks", "outputs", "zorder_by", "step");
  /** A table's {@code transform:} as a mapping. */
  public static final Set<String> TRANSFORM = Set.of("class", "options");
  public static final Set<String> STEP = Set.of("command", "env", "format", "schema", "timeout", "transient_exit_codes");
  /** A table's {@code rules:}: the rule groups. */
  public static final Set<String> RULES = Set.of("error", "warn", "quarantine");
  /** A table's {@code history:}. */
  public static final Set<String> HISTORY = Set.of("key", "tracked", "deletes");
  /** A table's {@code volume:}. */
  public static final Set<String> VOLUME = Set.of("max_change", "baseline", "min_history", "same_weekday", "level");
  /** An item of a table's {@code checks:}. */
  public static final Set<String> CHECK = Set.of("check", "level", "options");
  /** An item of a table's {@code sinks:}. */
  public static final Set<String> OUTPUT = Set.of("name", "sink", "options", "when_set");
  /** A table's {@code event_time:}. */
  public static final Set<String> EVENT_TIME = Set.of("expression", "lookback");
  /** {@code retry:}, in {@code defaults:} or a table. */
  public static final Set<String> RETRY = Set.of("max_attempts", "first_delay", "multiplier", "max_delay");
  /** {@code freshness:}, of a source or a table. */
  public static final Set<String> FRESHNESS = Set.of("column", "warn_after", "error_after");
  /** {@code alerts:} */
  public static final Set<String> ALERTS = Set.of("webhooks");
  /** An item of {@code alerts.webhooks:}. */
  public static final Set<String> WEBHOOK = Set.of("url_env", "url_file");
  /** A job under {@code schedules:}. */
  public static final Set<String> SCHEDULE = Set.of("cron", "timezone", "layer", "catchup", "max_active_runs", "job");

  /** The partition column of a table that names none, unless {@code defaults:} does. */
  public static final String PARTITION_COLUMN_DEFAULT = "as_of_date";
  /** A source's format unless it names one. */
  public static final String FORMAT_DEFAULT = "csv";
  /** A check's level unless it names one. */
  public static final String CHECK_LEVEL_DEFAULT = "error";
  /** A source's drift policy for added columns unless it names one. */
  public static final String DRIFT_ADDED_DEFAULT = "accept";
  /** A history's treatment of keys missing from a snapshot unless it names one. */
  public static final String HISTORY_DELETES_DEFAULT = "soft";
  /** The share of rows a table may quarantine unless it sets max_quarantine_ratio. */
  public static final double MAX_QUARANTINE_RATIO_DEFAULT = 0.05;
}

package dev.strata.jobs.definition;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A pipeline as its YAML file declares it, before validation.
 *
 * @param name the pipeline's name
 * @param file the pipeline.yaml it came from
 * @param description free text
 * @param sources the landing sources, in declaration order
 * @param tables the tables, in declaration order
 * @param webhooks where alerts are posted
 * @param schedules when a scheduler starts runs of the pipeline or of one of its layers
 * @param retention how long {@code strata maintain} keeps what the pipeline's runs leave behind
 * @param catalog the database of each layer its tables are registered in by name, or null (tables by path only)
 */
public record PipelineDefinition(
    String name,
    Path file,
    String description,
    List<SourceDefinition> sources,
    List<TableDefinition> tables,
    List<Webhook> webhooks,
    List<Schedule> schedules,
    Retention retention,
    Catalog catalog) {

  public PipelineDefinition(
      String name, Path file, String description, List<SourceDefinition> sources, List<TableDefinition> tables, List<Webhook> webhooks) {
    this(name, file, description, sources, tables, webhooks, List.of(), Retention.DEFAULT, null);
  }

  /**
   * Where the pipeline's tables are registered by name ({@code catalog:}): in Spark's session
   * catalog (a Hive metastore, Glue, or the session's own), as external Delta tables at their
   * warehouse location.
   *
   * @param database the database of each layer's tables, a template of {@code {pipeline}} and
   *     {@code {layer}} (e.g. {@code {pipeline}_{layer}}: {@code banking_gold.account_summary})
   * @param where file:line of the declaration
   */
  public record Catalog(String database, String where) {
    /** The tokens a database template may use. */
    public static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("\\{([a-z]+)}");

    /**
     * What is wrong with a database template, or null: only the tokens {@code {pipeline}} and
     * {@code {layer}}, and a name of letters, digits and underscores for every layer.
     */
    public static String databaseProblem(String template, String pipeline) {
      java.util.regex.Matcher m = TOKEN.matcher(template);
      while (m.find()) {
        if (!m.group(1).equals("pipeline") && !m.group(1).equals("layer")) {
          return "unknown token {" + m.group(1) + "} in '" + template + "'; a database may use {pipeline} and {layer}";
        }
      }
      for (Layer layer : Layer.values()) {
        String db = database(template, pipeline == null ? "p" : pipeline, layer);
        if (!db.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          return "'" + template + "' makes the database '" + db + "' for the " + layer.key() + " layer, not a name of letters, digits"
              + " and underscores (starting with a letter or an underscore) that every catalog accepts";
        }
      }
      return null;
    }

    /** The database of a layer's tables in a pipeline. */
    public static String database(String template, String pipeline, Layer layer) {
      return template.replace("{pipeline}", pipeline).replace("{layer}", layer.key());
    }
  }

  /**
   * How long {@code strata maintain} keeps what runs leave behind ({@code retention:}).
   *
   * @param files files a table's Delta log no longer names (replaced partitions, builds killed
   *     before their commit): {@code VACUUM}'s retention, so time travel works this far back; never
   *     below the longest build the ledger has seen, whatever is declared
   * @param staging the staging folders of runs whose gate blocked (the rows it checked, kept for inspection)
   * @param quarantine quarantine partitions, from the time their rows were quarantined
   * @param reports the runs' quality reports
   * @param where file:line of the declaration, or empty if the defaults apply
   */
  public record Retention(java.time.Duration files, java.time.Duration staging, java.time.Duration quarantine, java.time.Duration reports,
      String where) {
    /** Delta's own default for VACUUM; below it, the retention check Delta makes is turned off for the call. */
    public static final java.time.Duration DELTA_DEFAULT = java.time.Duration.ofDays(7);
    /** The shortest file retention a definition may declare. */
    public static final java.time.Duration MIN_FILES = java.time.Duration.ofHours(1);
    public static final Retention DEFAULT =
        new Retention(DELTA_DEFAULT, java.time.Duration.ofDays(14), java.time.Duration.ofDays(90), java.time.Duration.ofDays(90), "");
  }

  public Path folder() {
    return file.getParent();
  }

  public Optional<SourceDefinition> source(String name) {
    return sources.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public Optional<TableDefinition> table(String name) {
    return tables.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /**
   * A scheduled job: the whole pipeline, or one layer of it, run for each interval of a cron
   * expression. The run of an interval builds the partition of the interval's start, as the time
   * zone reads it (the run at 06:00 on the 2nd of a daily "0 6 * * *" builds the 1st), as
   * Airflow's data intervals do.
   *
   * @param name the job's name, unique in the pipeline ({@code <pipeline>} or {@code <pipeline>.<layer>} by default)
   * @param cron a Unix cron expression (5 fields)
   * @param zone the time zone the expression and the partition dates are read in
   * @param layer build only this layer (upstream layers are read as published), or every table
   * @param catchup after downtime, run every missed interval (oldest first), not just the latest
   * @param maxActiveRuns how many runs of this job may run at once
   * @param maintain whether the job is {@code strata maintain} of the pipeline ({@code job: maintain}) rather than a run
   * @param where file:line of the declaration
   */
  public record Schedule(
      String name, String cron, java.time.ZoneId zone, Optional<Layer> layer, boolean catchup, int maxActiveRuns, boolean maintain, String where) {}

  /**
   * A Slack-compatible webhook that alerts are posted to. Its URL is a secret, so the definition
   * names where to find it, never the URL itself.
   *
   * @param urlEnv an environment variable holding the URL, or null
   * @param urlFile a file whose first line is the URL, or null
   * @param where file:line of the declaration
   */
  public record Webhook(String urlEnv, String urlFile, String where) {
    public String describe() {
      return urlEnv != null ? "$" + urlEnv : urlFile;
    }
  }
}

package dev.strata.jobs.definition;

import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleSpec;
import dev.strata.quality.Rules;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.types.DataType;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a pipeline.yaml into a {@link PipelineDefinition}, collecting every problem it finds with
 * its file, line and key path instead of stopping at the first.
 *
 * <p>Only the shape of the file is checked here; {@link PipelineValidator} checks what the
 * definition means (inputs, cycles, classes, SQL, rules).
 */
public final class DefinitionLoader {
  /** The file name of a definition inside its folder. */
  public static final String FILE_NAME = "pipeline.yaml";


  private final Path file;
  private final String fileName;
  private final List<Problem> problems = new ArrayList<>();

  private DefinitionLoader(Path file) {
    this.file = file;
    this.fileName = file.toString();
  }

  /** The loaded definition (possibly partial) and every problem found while loading it. */
  public record Result(PipelineDefinition definition, List<Problem> problems) {}

  /** Loads the definition at {@code file}; never throws for a problem in the file itself. */
  public static Result load(Path file) {
    return new DefinitionLoader(file).load();
  }

  private Result load() {
    Node root;
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(reader);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      problems.add(
          new Problem(
              fileName + ":" + line,
              "the file is not valid YAML: " + e.getProblem() + ". Fix the syntax at that line."));
      return new Result(null, problems);
    } catch (IOException e) {
      problems.add(new Problem(fileName, "cannot read the file: " + e.getMessage()));
      return new Result(null, problems);
    } catch (RuntimeException e) {
      problems.add(new Problem(fileName, "the file is not valid YAML: " + e.getMessage()));
      return new Result(null, problems);
    }
    if (!(root instanceof MappingNode top)) {
      problems.add(
          new Problem(
              fileName + ":1",
              "expected a mapping with keys pipeline, sources and tables; the file is "
                  + (root == null ? "empty" : "a " + kind(root))));
      return new Result(null, problems);
    }
    duplicateKeys(top, "");
    Map<String, Node> keys = mapping(top, "", Keys.TOP);
    String name = requiredString(keys, top, "pipeline", "");
    if (name != null) {
      checkName(keys.get("pipeline"), "pipeline", "pipeline", name);
    }
    String description = optionalString(keys, "description", "");
    String defaultPartition = Keys.PARTITION_COLUMN_DEFAULT;
    dev.strata.api.Partition.Granularity defaultGranularity = null;
    RetryPolicy defaultRetry = RetryPolicy.DEFAULT;
    if (keys.containsKey("defaults")) {
      Node defaults = keys.get("defaults");
      if (defaults instanceof MappingNode m) {
        Map<String, Node> d = mapping(m, "defaults.", Keys.DEFAULTS);
        defaultPartition = optionalString(d, "partition_column", defaultPartition);
        defaultGranularity = granularity(d, "defaults.granularity");
        defaultRetry = retry(d.get("retry"), "defaults.retry", defaultRetry);
      } else {
        problem(defaults, "defaults", "expected a mapping, found a " + kind(defaults));
      }
    }

    List<SourceDefinition> sources = new ArrayList<>();
    if (keys.get("sources") instanceof MappingNode sourcesNode) {
      Set<String> seen = new java.util.HashSet<>();
      for (NodeTuple t : sourcesNode.getValue()) {
        String sourceName = scalar(t.getKeyNode());
        if (!seen.add(sourceName)) {
          continue; // reported by duplicateKeys
        }
        checkName(t.getKeyNode(), "sources." + sourceName, "source", sourceName);
        SourceDefinition source = source(sourceName, t.getValueNode());
        if (source != null) {
          sources.add(source);
        }
      }
    } else if (keys.containsKey("sources")) {
      problem(keys.get("sources"), "sources", "expected a mapping of source name to source");
    }

    List<TableDefinition> tables = new ArrayList<>();
    if (keys.get("tables") instanceof MappingNode tablesNode) {
      Set<String> seen = new java.util.HashSet<>();
      for (NodeTuple t : tablesNode.getValue()) {
        String tableName = scalar(t.getKeyNode());
        if (!seen.add(tableName)) {
          continue; // reported by duplicateKeys
        }
        checkName(t.getKeyNode(), "tables." + tableName, "table", tableName);
        TableDefinition table = table(tableName, t.getValueNode(), defaultPartition, defaultRetry);
        if (table != null) {
          tables.add(table);
        }
      }
    } else if (keys.containsKey("tables")) {
      problem(keys.get("tables"), "tables", "expected a mapping of table name to table");
    } else {
      problem(top, "tables", "the pipeline declares no tables; add a 'tables' mapping");
    }
    tables = resolveGranularity(tables, sources, defaultGranularity);
    List<PipelineDefinition.Webhook> webhooks = alerts(keys.get("alerts"));
    List<PipelineDefinition.Schedule> schedules = schedules(keys.get("schedules"), name);
    PipelineDefinition.Retention retention = retention(keys.get("retention"));
    PipelineDefinition.Catalog catalog = catalog(keys.get("catalog"), name);
    return new Result(new PipelineDefinition(name, file, description, sources, tables, webhooks, schedules, retention, catalog), problems);
  }

  /** A {@code granularity:} value: hour, day, month or none; null if absent (or wrong, reported). */
  private dev.strata.api.Partition.Granularity granularity(Map<String, Node> keys, String path) {
    String word = optionalString(keys, "granularity", null);
    if (word == null) {
      return null;
    }
    var g = dev.strata.api.Partition.Granularity.fromKey(word);
    if (g.isEmpty()) {
      problem(keys.get("granularity"), path, "expected hour, day, month or none (unpartitioned), found '" + word + "'");
    }
    return g.orElse(null);
  }

  /**
   * Each table's granularity: as it declares, else (a bronze table) its sources' from their paths'
   * tokens, else its rows_from (or first) input table's, else the pipeline's default, else a day.
   */
  private static List<TableDefinition> resolveGranularity(
      List<TableDefinition> tables, List<SourceDefinition> sources, dev.strata.api.Partition.Granularity fallback) {
    Map<String, TableDefinition> byName = new LinkedHashMap<>();
    tables.forEach(t -> byName.put(t.name(), t));
    Map<String, dev.strata.api.Partition.Granularity> resolved = new java.util.HashMap<>();
    List<TableDefinition> out = new ArrayList<>();
    for (TableDefinition t : tables) {
      out.add(t.withGranularity(resolve(t, byName, sources, fallback, resolved, new java.util.HashSet<>())));
    }
    return out;
  }

  private static dev.strata.api.Partition.Granularity resolve(
      TableDefinition t, Map<String, TableDefinition> byName, List<SourceDefinition> sources,
      dev.strata.api.Partition.Granularity fallback, Map<String, dev.strata.api.Partition.Granularity> resolved, Set<String> visiting) {
    if (t.granularity() != null) {
      return t.granularity();
    }
    if (resolved.containsKey(t.name())) {
      return resolved.get(t.name());
    }
    dev.strata.api.Partition.Granularity g = null;
    if (visiting.add(t.name())) {
      for (String input : t.inputs()) {
        var source = sources.stream().filter(s -> s.name().equals(input)).findFirst();
        if (source.isPresent()) {
          g = source.get().granularity();
          break;
        }
      }
      if (g == null) {
        String from = t.rowsFrom() != null && byName.containsKey(t.rowsFrom()) ? t.rowsFrom()
            : t.inputs().stream().filter(byName::containsKey).findFirst().orElse(null);
        if (from != null) {
          g = resolve(byName.get(from), byName, sources, fallback, resolved, visiting);
        }
      }
    }
    if (g == null) {
      g = fallback != null ? fallback : dev.strata.api.Partition.Granularity.DAY;
    }
    resolved.put(t.name(), g);
    return g;
  }


  /** {@code catalog: {database}}: the database template of each layer's tables; null if absent. */
  private PipelineDefinition.Catalog catalog(Node node, String pipeline) {
    if (node == null) {
      return null;
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, "catalog", "expected a mapping with 'database', e.g. catalog: {database: \"{pipeline}_{layer}\"}");
      return null;
    }
    Map<String, Node> k = mapping(m, "catalog.", Keys.CATALOG);
    String template = requiredString(k, m, "database", "catalog.");
    if (template == null) {
      return null;
    }
    String bad = PipelineDefinition.Catalog.databaseProblem(template, pipeline);
    if (bad != null) {
      problem(k.get("database"), "catalog.database", bad);
      return null;
    }
    return new PipelineDefinition.Catalog(template, where(m));
  }

  /** {@code retention: {files, staging, quarantine, reports}}: how long {@code strata maintain} keeps each. */
  private PipelineDefinition.Retention retention(Node node) {
    PipelineDefinition.Retention fallback = PipelineDefinition.Retention.DEFAULT;
    if (node == null) {
      return fallback;
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, "retention", "expected a mapping of files, staging, quarantine and reports to durations such as 7d");
      return fallback;
    }
    Map<String, Node> k = mapping(m, "retention.", Keys.RETENTION);
    PipelineDefinition.Retention r = new PipelineDefinition.Retention(
        duration(k, "files", "retention", fallback.files()), duration(k, "staging", "retention", fallback.staging()),
        duration(k, "quarantine", "retention", fallback.quarantine()), duration(k, "reports", "retention", fallback.reports()), where(m));
    if (r.files().compareTo(PipelineDefinition.Retention.MIN_FILES) < 0) {
      problem(k.get("files"), "retention.files", "at least " + Durations.format(PipelineDefinition.Retention.MIN_FILES)
          + ": files a table's log no longer names are what readers of older versions and builds not yet committed still use");
    }
    return r;
  }

  /** {@code schedules: {job: {cron, timezone, layer, catchup, max_active_runs, job}}}. */
  private List<PipelineDefinition.Schedule> schedules(Node node, String pipeline) {
    List<PipelineDefinition.Schedule> schedules = new ArrayList<>();
    if (node == null) {
      return schedules;
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, "schedules", "expected a mapping of job name to {cron, timezone, layer, catchup, max_active_runs}");
      return schedules;
    }
    for (NodeTuple t : m.getValue()) {
      String job = scalar(t.getKeyNode());
      String path = "schedules." + job;
      checkName(t.getKeyNode(), path, "schedule", job);
      if (!(t.getValueNode() instanceof MappingNode jm)) {
        problem(t.getValueNode(), path, "expected a mapping with at least 'cron'");
        continue;
      }
      Map<String, Node> k = mapping(jm, path + ".", Keys.SCHEDULE);
      String cron = requiredString(k, jm, "cron", path + ".");
      if (cron != null) {
        String bad = Cron.problem(cron);
        if (bad != null) {
          problem(k.get("cron"), path + ".cron", bad);
          cron = null;
        }
      }
      java.time.ZoneId zone = java.time.ZoneId.of("UTC");
      String zoneText = optionalString(k, "timezone", null);
      if (zoneText != null) {
        try {
          zone = java.time.ZoneId.of(zoneText);
        } catch (java.time.DateTimeException e) {
          problem(k.get("timezone"), path + ".timezone", "unknown time zone '" + zoneText + "'; use a region id such as Europe/Paris or UTC");
        }
      }
      Optional<Layer> layer = Optional.empty();
      String layerText = optionalString(k, "layer", null);
      if (layerText != null) {
        layer = Optional.ofNullable(Layer.parse(layerText));
        if (layer.isEmpty()) {
          problem(k.get("layer"), path + ".layer", "unknown layer '" + layerText + "'; expected bronze, silver or gold");
        }
      }
      String catchup = optionalString(k, "catchup", "false");
      if (!catchup.equals("true") && !catchup.equals("false")) {
        problem(k.get("catchup"), path + ".catchup", "expected true or false");
      }
      int maxActive = 1;
      String maxText = optionalString(k, "max_active_runs", "1");
      try {
        maxActive = Integer.parseInt(maxText);
      } catch (NumberFormatException e) {
        maxActive = 0;
      }
      if (maxActive < 1) {
        problem(k.get("max_active_runs"), path + ".max_active_runs", "expected a whole number of at least 1, found '" + maxText + "'");
      }
      String kind = optionalString(k, "job", "run");
      if (!kind.equals("run") && !kind.equals("maintain")) {
        problem(k.get("job"), path + ".job", "expected run (the default: a run of the interval's partition) or maintain (strata maintain), found '"
            + kind + "'");
      } else if (kind.equals("maintain") && layer.isPresent()) {
        problem(k.get("layer"), path + ".layer", "maintenance covers every table of the pipeline; drop 'layer' from a job: maintain schedule");
      }
      if (cron != null) {
        schedules.add(new PipelineDefinition.Schedule(job, cron, zone, layer, catchup.equals("true"), Math.max(1, maxActive),
            kind.equals("maintain"), where(jm)));
      }
    }
    return schedules;
  }

  private List<PipelineDefinition.Webhook> alerts(Node node) {
    List<PipelineDefinition.Webhook> webhooks = new ArrayList<>();
    if (node == null) {
      return webhooks;
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, "alerts", "expected a mapping with a 'webhooks' list");
      return webhooks;
    }
    Map<String, Node> keys = mapping(m, "alerts.", Keys.ALERTS);
    if (!(keys.get("webhooks") instanceof SequenceNode seq)) {
      problem(keys.getOrDefault("webhooks", m), "alerts.webhooks", "expected a list of webhooks, each with url_env or url_file");
      return webhooks;
    }
    for (int i = 0; i < seq.getValue().size(); i++) {
      Node item = seq.getValue().get(i);
      String path = "alerts.webhooks[" + i + "]";
      if (!(item instanceof MappingNode w)) {
        problem(item, path, "expected a mapping with url_env or url_file");
        continue;
      }
      Map<String, Node> wk = mapping(w, path + ".", Keys.WEBHOOK);
      String env = optionalString(wk, "url_env", null);
      String fileName = optionalString(wk, "url_file", null);
      if ((env == null) == (fileName == null)) {
        problem(
            w, path,
            "a webhook needs exactly one of url_env (an environment variable holding the URL) or url_file"
                + " (a file holding it); the URL itself is a secret and does not belong in the definition");
        continue;
      }
      webhooks.add(new PipelineDefinition.Webhook(env, fileName, where(w)));
    }
    return webhooks;
  }

  private TableDefinition.History history(Node node, String path) {
    if (node == null) {
      return null;
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, path, "expected a mapping with key, tracked and deletes");
      return null;
    }
    Map<String, Node> keys = mapping(m, path + ".", Keys.HISTORY);
    List<String> key = names(keys.get("key"), path + ".key");
    if (key.isEmpty()) {
      problem(keys.getOrDefault("key", m), path + ".key", "a history table needs its business key: key: [customer_id]");
    }
    List<String> tracked = names(keys.get("tracked"), path + ".tracked");
    String deletes = optionalString(keys, "deletes", Keys.HISTORY_DELETES_DEFAULT);
    if (!deletes.equals("soft") && !deletes.equals("ignore")) {
      problem(keys.get("deletes"), path + ".deletes", "expected soft (close and flag keys missing from a snapshot) or ignore, found '" + deletes + "'");
    }
    return new TableDefinition.History(key, tracked, !deletes.equals("ignore"));
  }

  /** {@code freshness: {column, warn_after, error_after}} of a source or a table. */
  private Freshness freshness(Node node, String path) {
    if (node == null) {
      return null;
    }
    if (!(node instanceof MappingNode f)) {
      problem(node, path, "expected a mapping with warn_after and/or error_after (and optionally column)");
      return null;
    }
    Map<String, Node> fk = mapping(f, path + ".", Keys.FRESHNESS);
    Freshness freshness =
        new Freshness(
            optionalString(fk, "column", null), duration(fk, "warn_after", path, null), duration(fk, "error_after", path, null),
            where(f) + " " + path);
    if (freshness.warnAfter() == null && freshness.errorAfter() == null) {
      problem(f, path, "give warn_after, error_after or both, e.g. warn_after: 24h");
    }
    if (freshness.warnAfter() != null && freshness.errorAfter() != null && freshness.warnAfter().compareTo(freshness.errorAfter()) > 0) {
      problem(f, path, "warn_after (" + Durations.format(freshness.warnAfter()) + ") is above error_after ("
          + Durations.format(freshness.errorAfter()) + "): the warning would never come first");
    }
    return freshness;
  }

  /** {@code reads: {input: all | 30d}} of a table; empty if absent. */
  private Map<String, TableDefinition.Window> reads(Node node, String path) {
    if (node == null) {
      return Map.of();
    }
    if (!(node instanceof MappingNode r)) {
      problem(node, path, "expected a mapping of input table to the partitions each build reads: all, or a duration such as 30d");
      return Map.of();
    }
    Map<String, TableDefinition.Window> out = new LinkedHashMap<>();
    for (NodeTuple t : r.getValue()) {
      String input = scalar(t.getKeyNode());
      String value = scalar(t.getValueNode()).strip();
      java.time.Duration span = value.equalsIgnoreCase("all") ? null : Durations.parse(value);
      if (span == null && !value.equalsIgnoreCase("all")) {
        problem(t.getValueNode(), path + "." + input, "expected all (every partition through the one being built) or a duration such as"
            + " 30d (the partitions of the last 30 days through it), found '" + value + "'");
        continue;
      }
      out.put(input, new TableDefinition.Window(span, where(t.getValueNode()) + " " + path + "." + input));
    }
    return out;
  }

  /** {@code event_time: {expression, lookback}} of a table; null if absent. */
  private TableDefinition.EventTime eventTime(Node node, String path) {
    if (node == null) {
      return null;
    }
    if (!(node instanceof MappingNode e)) {
      problem(node, path, "expected a mapping with expression (each input row's event time) and lookback (e.g. 3d)");
      return null;
    }
    Map<String, Node> ek = mapping(e, path + ".", Keys.EVENT_TIME);
    String expression = requiredString(ek, e, "expression", path + ".");
    java.time.Duration lookback = duration(ek, "lookback", path, null);
    if (lookback == null && !ek.containsKey("lookback")) {
      problem(e, path + ".lookback", "give how long after its event time a row may land, e.g. lookback: 3d");
    }
    return expression == null || lookback == null ? null : new TableDefinition.EventTime(expression, lookback, where(e) + " " + path);
  }

  /** {@code drift: {added: accept|quarantine|block, approved_removals: [col, a.b]}} of a source. */
  private DriftPolicy drift(Node node, String path, String sourceWhere) {
    if (node == null) {
      return DriftPolicy.defaults(sourceWhere);
    }
    if (!(node instanceof MappingNode d)) {
      problem(node, path, "expected a mapping with added and approved_removals");
      return DriftPolicy.defaults(sourceWhere);
    }
    Map<String, Node> dk = mapping(d, path + ".", Keys.DRIFT);
    String added = optionalString(dk, "added", Keys.DRIFT_ADDED_DEFAULT);
    DriftPolicy.Added policy;
    try {
      policy = DriftPolicy.Added.valueOf(added.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problem(dk.get("added"), path + ".added",
          "expected accept (carry new columns into bronze and report them), quarantine (reject the lines of files that have them)"
              + " or block, found '" + added + "'");
      policy = DriftPolicy.Added.ACCEPT;
    }
    return new DriftPolicy(policy, names(dk.get("approved_removals"), path + ".approved_removals"), where(d) + " " + path);
  }

  /** {@code volume: {max_change: 30%, baseline: 4, min_history: 1, same_weekday: true, level: warn}} of a table. */
  private VolumeRule volume(Node node, String path) {
    if (node == null) {
      return null;
    }
    if (!(node instanceof MappingNode v)) {
      problem(node, path, "expected a mapping with max_change, baseline, min_history, same_weekday and level");
      return null;
    }
    Map<String, Node> vk = mapping(v, path + ".", Keys.VOLUME);
    double maxChange = 0.3;
    if (vk.containsKey("max_change")) {
      String text = scalar(vk.get("max_change")).strip();
      try {
        maxChange = text.endsWith("%") ? Double.parseDouble(text.substring(0, text.length() - 1)) / 100 : Double.parseDouble(text);
      } catch (NumberFormatException e) {
        maxChange = Double.NaN;
      }
      if (!(maxChange > 0 && maxChange <= 10)) {
        problem(vk.get("max_change"), path + ".max_change", "expected a share such as 30% or 0.3, found '" + text + "'");
        maxChange = 0.3;
      }
    }
    int baseline = wholeNumber(vk, "baseline", path, 4, 1, 365, null);
    int minHistory = wholeNumber(vk, "min_history", path, Math.min(2, baseline), 1, baseline, null);
    String sameWeekday = optionalString(vk, "same_weekday", "true");
    if (!sameWeekday.equals("true") && !sameWeekday.equals("false")) {
      problem(vk.get("same_weekday"), path + ".same_weekday", "expected true or false, found '" + sameWeekday + "'");
    }
    String level = optionalString(vk, "level", "warn");
    if (!level.equals("warn") && !level.equals("error")) {
      problem(vk.get("level"), path + ".level", "expected warn (report it) or error (block the table), found '" + level + "'");
    }
    return new VolumeRule(
        maxChange, baseline, minHistory, !sameWeekday.equals("false"), level.equals("error") ? RuleGroup.ERROR : RuleGroup.WARN,
        where(v) + " " + path);
  }

  /**
   * A whole number from {@code min} to {@code max}, or {@code fallback} if the key is absent (or,
   * after recording the problem, invalid).
   *
   * @param range how the message names the range, or null for "from min to max"
   */
  private int wholeNumber(Map<String, Node> keys, String key, String path, int fallback, int min, int max, String range) {
    if (!keys.containsKey(key)) {
      return fallback;
    }
    String v = scalar(keys.get(key));
    int n;
    try {
      n = Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      n = min - 1;
    }
    if (n < min || n > max) {
      problem(keys.get(key), path + "." + key,
          "expected a whole number " + (range != null ? range : "from " + min + " to " + max) + ", found '" + v + "'");
      return fallback;
    }
    return n;
  }

  private List<String> names(Node node, String path) {
    List<String> names = new ArrayList<>();
    if (node instanceof SequenceNode seq) {
      seq.getValue().forEach(n -> names.add(scalar(n)));
    } else if (node instanceof ScalarNode one) {
      names.add(one.getValue());
    } else if (node != null) {
      problem(node, path, "expected a list of column names");
    }
    return List.copyOf(names);
  }

  private RetryPolicy retry(Node node, String path, RetryPolicy fallback) {
    if (node == null) {
      return fallback;
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, path, "expected a mapping with max_attempts, first_delay, multiplier and max_delay");
      return fallback;
    }
    Map<String, Node> keys = mapping(m, path + ".", Keys.RETRY);
    int attempts = wholeNumber(keys, "max_attempts", path, fallback.maxAttempts(), 1, 100, "from 1 (no retries) to 100");
    double multiplier = fallback.multiplier();
    if (keys.containsKey("multiplier")) {
      String v = scalar(keys.get("multiplier"));
      try {
        multiplier = Double.parseDouble(v.strip());
      } catch (NumberFormatException e) {
        multiplier = 0;
      }
      if (!(multiplier >= 1 && multiplier <= 10)) {
        problem(keys.get("multiplier"), path + ".multiplier", "expected a number from 1 to 10, found '" + v + "'");
        multiplier = fallback.multiplier();
      }
    }
    return new RetryPolicy(
        attempts,
        duration(keys, "first_delay", path, fallback.firstDelay()),
        multiplier,
        duration(keys, "max_delay", path, fallback.maxDelay()));
  }

  private java.time.Duration duration(Map<String, Node> keys, String key, String path, java.time.Duration fallback) {
    if (!keys.containsKey(key)) {
      return fallback;
    }
    String v = scalar(keys.get(key));
    java.time.Duration d = Durations.parse(v);
    if (d == null) {
      problem(keys.get(key), path + "." + key, "expected a duration such as 500ms, 5s, 10m, 24h or 2d, found '" + v + "'");
      return fallback;
    }
    return d;
  }

  private SourceDefinition source(String name, Node node) {
    String path = "sources." + name;
    if (!(node instanceof MappingNode m)) {
      problem(node, path, "expected a mapping with path, format and schema");
      return null;
    }
    Map<String, Node> keys = mapping(m, path + ".", Keys.SOURCE);
    String format = optionalString(keys, "format", Keys.FORMAT_DEFAULT);
    var sourceFormat = dev.strata.jobs.extension.Extensions.FORMATS.named(format);
    if (sourceFormat.isEmpty()) {
      problem(keys.get("format"), path + ".format", "unknown format '" + format + "'; use one of "
          + dev.strata.jobs.extension.Extensions.FORMATS.all().keySet() + ", or add the jar of a dev.strata.api.SourceFormat named '" + format
          + "' to the classpath");
    }
    // A source that is not files (a database) has no path: its options say what to read.
    boolean files = sourceFormat.map(dev.strata.api.SourceFormat::readsFiles).orElse(true);
    String location = files ? requiredString(keys, m, "path", path + ".") : null;
    if (!files && keys.containsKey("path")) {
      problem(keys.get("path"), path + ".path", "a " + format + " source has no path: its options say what it reads (e.g. table: orders,"
          + " partition_by: order_date)");
    }
    Map<String, String> options = new LinkedHashMap<>();
    if (keys.get("options") instanceof MappingNode o) {
      for (NodeTuple t : o.getValue()) {
        options.put(scalar(t.getKeyNode()), scalar(t.getValueNode()));
      }
    } else if (keys.containsKey("options")) {
      problem(keys.get("options"), path + ".options", "expected a mapping of reader option to value");
    }
    // The format's defaults (CSV: a header), unless the source sets them.
    sourceFormat.ifPresent(f -> f.defaultOptions().forEach(options::putIfAbsent));
    List<ColumnSpec> schema = new ArrayList<>();
    if (keys.get("schema") instanceof MappingNode s) {
      schema.addAll(columns(s, path + ".schema"));
    } else {
      problem(
          keys.getOrDefault("schema", m),
          path + ".schema",
          "a source must declare its schema: a mapping of column name to Spark SQL type, in file order");
    }
    Freshness freshness = freshness(keys.get("freshness"), path + ".freshness");
    DriftPolicy drift = drift(keys.get("drift"), path + ".drift", where(m));
    // A topic's messages land in folders by their arrival: the folder is every row's partition.
    boolean stream = format.equals(SourceDefinition.STREAM_FORMAT);
    SourceDefinition.PartitionValue partition = stream ? SourceDefinition.PartitionValue.PATH : SourceDefinition.PartitionValue.COLUMN;
    String partitionWord = optionalString(keys, "partition", null);
    if (stream && partitionWord != null && !partitionWord.strip().equals("path")) {
      problem(keys.get("partition"), path + ".partition", "a kafka source's messages land in folders by their arrival time (their Kafka"
          + " timestamp): its partition is the path's; partition a silver table by event time with event_time and lookback");
      partitionWord = null;
    }
    if (partitionWord != null) {
      try {
        partition = SourceDefinition.PartitionValue.valueOf(partitionWord.strip().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        problem(keys.get("partition"), path + ".partition",
            "expected column (a column of the data holds each row's partition) or path (the {date} of the path is every row's"
                + " partition), found '" + partitionWord + "'");
      }
    }
    SourceDefinition.Circuit circuit = null;
    if (keys.get("circuit") instanceof MappingNode c) {
      Map<String, Node> ck = mapping(c, path + ".circuit.", Keys.CIRCUIT);
      circuit = new SourceDefinition.Circuit(
          wholeNumber(ck, "failures", path + ".circuit", 3, 1, 1000, "from 1 to 1000"),
          duration(ck, "cool_down", path + ".circuit", java.time.Duration.ofMinutes(30)), where(c) + " " + path + ".circuit");
    } else if (keys.containsKey("circuit")) {
      problem(keys.get("circuit"), path + ".circuit", "expected a mapping: circuit: {failures: 3, cool_down: 30m}");
    }
    return new SourceDefinition(name, location, format, Map.copyOf(options), List.copyOf(schema), freshness, drift, partition, files, circuit,
        where(m));
  }

  /** {@code checks: [{check: NAME, level: error|warn|quarantine, options: {KEY: VALUE}}]}; empty if absent. */
  private List<CheckSpec> checks(Node node, String path) {
    return extensions(node, path, "check", "{check: NAME, level: error, options: {...}}", Keys.CHECK, (m, keys, at) -> {
      String name = requiredString(keys, m, "check", at + ".");
      String levelText = optionalString(keys, "level", Keys.CHECK_LEVEL_DEFAULT);
      RuleGroup level = switch (levelText) {
        case "error" -> RuleGroup.ERROR;
        case "warn" -> RuleGroup.WARN;
        case "quarantine" -> RuleGroup.QUARANTINE;
        default -> null;
      };
      if (level == null) {
        problem(keys.get("level"), at + ".level", "unknown level '" + levelText + "'; use error, warn or quarantine");
      }
      Map<String, String> options = options(keys.get("options"), at + ".options");
      return name == null || level == null ? null : new CheckSpec(name, level, options, where(m) + " " + at);
    });
  }

  /** {@code outputs: [{name: NAME, sink: SINK, options: {KEY: VALUE}}]}; empty if absent. */
  private List<OutputSpec> outputs(Node node, String path) {
    return extensions(node, path, "output", "{name: NAME, sink: SINK, options: {...}, when_set: VARIABLE}", Keys.OUTPUT, (m, keys, at) -> {
      String sink = requiredString(keys, m, "sink", at + ".");
      String name = optionalString(keys, "name", sink);
      if (name != null && Names.problem(name) != null) {
        problem(keys.getOrDefault("name", m), at + ".name", "the output name '" + name + "' " + Names.problem(name));
        return null;
      }
      Map<String, String> options = options(keys.get("options"), at + ".options");
      String whenSet = optionalString(keys, "when_set", null);
      if (whenSet != null && !whenSet.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        problem(keys.get("when_set"), at + ".when_set", "'" + whenSet + "' is not an environment variable's name (e.g. STRATA_JDBC_URL)");
        return null;
      }
      return sink == null ? null : new OutputSpec(name, sink, options, whenSet, where(m) + " " + at);
    });
  }

  /** Reads one item of a list of extensions: its mapping, its keys, its path; null if it has a problem. */
  @FunctionalInterface
  private interface ItemReader<T> {
    T read(MappingNode item, Map<String, Node> keys, String at);
  }

  /**
   * A list of extensions the table uses (checks, outputs), each a mapping with the allowed keys; empty
   * if absent. An item that is not a mapping, or that {@code reader} finds a problem in, is left out
   * (its problem recorded).
   */
  private <T> List<T> extensions(Node node, String path, String kind, String shape, Set<String> allowed, ItemReader<T> reader) {
    List<T> items = new ArrayList<>();
    if (node == null) {
      return items;
    }
    if (!(node instanceof SequenceNode seq)) {
      problem(node, path, "expected a list of " + kind + "s, each " + shape);
      return items;
    }
    for (int i = 0; i < seq.getValue().size(); i++) {
      String at = path + "[" + i + "]";
      Node item = seq.getValue().get(i);
      if (!(item instanceof MappingNode m)) {
        problem(item, at, "expected a mapping: " + shape);
        continue;
      }
      T read = reader.read(m, mapping(m, at + ".", allowed), at);
      if (read != null) {
        items.add(read);
      }
    }
    return List.copyOf(items);
  }

  /** An extension's {@code options:}: a mapping of name to one text value each; empty if absent. */
  private Map<String, String> options(Node node, String path) {
    Map<String, String> options = new LinkedHashMap<>();
    if (node instanceof MappingNode o) {
      for (NodeTuple t : o.getValue()) {
        if (!(t.getValueNode() instanceof ScalarNode)) {
          problem(t.getValueNode(), path + "." + scalar(t.getKeyNode()),
              "an option's value is one text value (a list or mapping can be written as text the extension parses)");
          continue;
        }
        options.put(scalar(t.getKeyNode()), scalar(t.getValueNode()));
      }
    } else if (node != null) {
      problem(node, path, "expected a mapping of option name to value");
    }
    return options;
  }

  /** A mapping of column name to Spark SQL type, in order. */
  private List<ColumnSpec> columns(MappingNode node, String path) {
    List<ColumnSpec> columns = new ArrayList<>();
    for (NodeTuple t : node.getValue()) {
      String column = scalar(t.getKeyNode());
      String type = scalar(t.getValueNode());
      try {
        columns.add(new ColumnSpec(column, DataType.fromDDL(type)));
      } catch (Exception e) {
        // Spark's ParseException is a checked exception that Scala throws undeclared.
        problem(t.getValueNode(), path + "." + column, "'" + type + "' is not a Spark SQL type; use e.g. string, int, decimal(18,2), date, timestamp");
      }
    }
    return columns;
  }

  /**
   * {@code step: {command: [PROGRAM, ARG...], env: {K: V}, format: parquet|csv|json, schema: {C: TYPE},
   * timeout: 1h, transient_exit_codes: [75]}}; null if absent or wrong (the problem said).
   */
  private StepSpec step(Node node, String path) {
    if (node == null) {
      return null;
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, path, "expected a mapping with command (a list: the program and its arguments), and optionally env, format,"
          + " schema, timeout and transient_exit_codes");
      return null;
    }
    Map<String, Node> keys = mapping(m, path + ".", Keys.STEP);
    List<String> command = new ArrayList<>();
    if (keys.get("command") instanceof SequenceNode seq && !seq.getValue().isEmpty()) {
      for (int i = 0; i < seq.getValue().size(); i++) {
        Node item = seq.getValue().get(i);
        if (!(item instanceof ScalarNode) || scalar(item).isEmpty()) {
          problem(item, path + ".command[" + i + "]", "each element of the command is one non-empty argument");
          return null;
        }
        command.add(scalar(item));
      }
    } else {
      problem(keys.getOrDefault("command", m), path + ".command",
          "a step needs its command as a list, the program first: command: [python3, score.py] (no shell: each argument is one element)");
      return null;
    }
    Map<String, String> env = options(keys.get("env"), path + ".env");
    String format = optionalString(keys, "format", "parquet");
    if (!StepSpec.FORMATS.contains(format)) {
      problem(keys.get("format"), path + ".format", "unknown format '" + format + "'; a step reads and writes one of " + StepSpec.FORMATS);
    }
    List<ColumnSpec> schema = List.of();
    if (keys.get("schema") instanceof MappingNode s) {
      schema = columns(s, path + ".schema");
      if (format.equals("parquet")) {
        problem(keys.get("schema"), path + ".schema", "a parquet output carries its own schema: drop 'schema' (it types csv and json output)");
      }
    } else if (keys.containsKey("schema")) {
      problem(keys.get("schema"), path + ".schema", "expected a mapping of column name to Spark SQL type, in order");
    }
    java.time.Duration timeout = duration(keys, "timeout", path, StepSpec.DEFAULT_TIMEOUT);
    Set<Integer> codes = new java.util.TreeSet<>();
    Node codesNode = keys.get("transient_exit_codes");
    List<Node> items = codesNode instanceof SequenceNode codeList ? codeList.getValue() : codesNode == null ? List.of() : List.of(codesNode);
    for (Node item : items) {
      String v = scalar(item);
      int code = -1;
      try {
        code = Integer.parseInt(v.strip());
      } catch (NumberFormatException e) {
        // said below
      }
      if (code < 1 || code > 255) {
        problem(item, path + ".transient_exit_codes", "expected exit codes from 1 to 255 (0 is success), found '" + v + "'");
      } else {
        codes.add(code);
      }
    }
    return new StepSpec(command, env, format, schema, timeout, codes, file.getParent().toAbsolutePath().normalize(), where(m) + " " + path);
  }

  /** {@code transform: CLASS}, or {@code transform: {class: CLASS, options: {KEY: VALUE}}}; null if absent. */
  private TransformSpec transform(Node node, String path) {
    if (node == null) {
      return null;
    }
    if (node instanceof ScalarNode s) {
      if (s.getValue().isBlank()) {
        problem(node, path, "expected a Java class name, or a mapping with class and options");
        return null;
      }
      return new TransformSpec(s.getValue().strip(), Map.of(), where(node));
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, path, "expected a Java class name, or a mapping with class and options, found a " + kind(node));
      return null;
    }
    Map<String, Node> keys = mapping(m, path + ".", Keys.TRANSFORM);
    String className = requiredString(keys, m, "class", path + ".");
    Map<String, String> options = options(keys.get("options"), path + ".options");
    return className == null ? null : new TransformSpec(className, options, where(m));
  }

  private TableDefinition table(String name, Node node, String defaultPartition, RetryPolicy defaultRetry) {
    String path = "tables." + name;
    if (!(node instanceof MappingNode m)) {
      problem(node, path, "expected a mapping with layer, inputs, transform or sql, and rules");
      return null;
    }
    Map<String, Node> keys = mapping(m, path + ".", Keys.TABLE);
    String layerText = requiredString(keys, m, "layer", path + ".");
    Layer layer = layerText == null ? null : Layer.parse(layerText);
    if (layerText != null && layer == null) {
      problem(keys.get("layer"), path + ".layer", "unknown layer '" + layerText + "'; use bronze, silver or gold");
    }
    List<String> inputs = new ArrayList<>();
    if (keys.get("inputs") instanceof SequenceNode seq) {
      for (Node item : seq.getValue()) {
        inputs.add(scalar(item));
      }
    } else if (keys.get("inputs") instanceof ScalarNode one) {
      inputs.add(one.getValue());
    } else {
      problem(keys.getOrDefault("inputs", m), path + ".inputs", "a table must list its inputs (sources or tables)");
    }
    TransformSpec transform = transform(keys.get("transform"), path + ".transform");
    String sql = optionalString(keys, "sql", null);
    StepSpec step = step(keys.get("step"), path + ".step");
    boolean stepped = step != null || keys.containsKey("step");
    TableDefinition.History history = history(keys.get("history"), path + ".history");
    if (history != null) {
      if (transform != null || sql != null || stepped) {
        problem(m, path, "a history table is the SCD2 history of its one input: drop 'transform', 'sql' and 'step'");
      }
      if (inputs.size() != 1) {
        problem(m, path + ".inputs", "a history table has exactly one input, the table whose snapshots it keeps");
      }
    } else if ((transform != null ? 1 : 0) + (sql != null ? 1 : 0) + (stepped ? 1 : 0) != 1) {
      problem(m, path, "a table needs exactly one of 'transform' (a Java class), 'sql' (a SQL file) or 'step' (a command)");
    }
    String partition = optionalString(keys, "partition_column", defaultPartition);
    dev.strata.api.Partition.Granularity granularity = granularity(keys, path + ".granularity");
    boolean allowEmpty = false;
    if (keys.containsKey("allow_empty")) {
      String v = scalar(keys.get("allow_empty"));
      if (!v.equals("true") && !v.equals("false")) {
        problem(keys.get("allow_empty"), path + ".allow_empty", "expected true or false, found '" + v + "'");
      }
      allowEmpty = v.equals("true");
    }
    String rowsFrom = optionalString(keys, "rows_from", inputs.size() == 1 ? inputs.get(0) : null);
    String removes = optionalString(keys, "removes", null);
    if (rowsFrom == null) {
      problem(
          m, path + ".rows_from",
          "a table with several inputs must say whose rows it carries: rows_from: <one of its inputs>,"
              + " or rows_from: aggregate if its rows are computed (one per group)");
    }
    double maxQuarantineRatio = Keys.MAX_QUARANTINE_RATIO_DEFAULT;
    if (keys.containsKey("max_quarantine_ratio")) {
      String v = scalar(keys.get("max_quarantine_ratio"));
      try {
        maxQuarantineRatio = Double.parseDouble(v);
      } catch (NumberFormatException e) {
        maxQuarantineRatio = Double.NaN;
      }
      if (!(maxQuarantineRatio >= 0 && maxQuarantineRatio <= 1)) {
        problem(keys.get("max_quarantine_ratio"), path + ".max_quarantine_ratio", "expected a share between 0 and 1 (e.g. 0.05), found '" + v + "'");
      }
    }
    List<RuleSpec> rules = new ArrayList<>();
    if (!allowEmpty) {
      rules.add(new RuleSpec(Rules.NOT_EMPTY, RuleGroup.ERROR, "built-in (opt out with allow_empty: true)"));
    }
    if (keys.get("rules") instanceof MappingNode r) {
      Set<String> groups = Keys.RULES;
      Map<String, Node> byGroup = mapping(r, path + ".rules.", groups);
      for (RuleGroup group : RuleGroup.values()) {
        Node list = byGroup.get(group.key());
        if (list == null) {
          continue;
        }
        String groupPath = path + ".rules." + group.key();
        if (!(list instanceof SequenceNode seq)) {
          problem(list, groupPath, "expected a list of DQDL rules");
          continue;
        }
        for (int i = 0; i < seq.getValue().size(); i++) {
          Node item = seq.getValue().get(i);
          if (!(item instanceof ScalarNode)) {
            problem(item, groupPath + "[" + i + "]", "a rule is one DQDL string, e.g. IsComplete \"id\"");
            continue;
          }
          rules.add(new RuleSpec(scalar(item), group, where(item) + " " + groupPath + "[" + i + "]"));
        }
      }
    } else if (keys.containsKey("rules")) {
      problem(keys.get("rules"), path + ".rules", "expected a mapping with error, warn and quarantine lists");
    }
    Path sqlFile = sql == null ? null : file.getParent().resolve(sql).normalize();
    return TableDefinition.builder(name, layer, where(m))
        .inputs(inputs)
        .transform(transform)
        .sqlFile(sqlFile)
        .step(step)
        .partitionColumn(partition)
        .granularity(granularity)
        .rules(rules)
        .rowsFrom(rowsFrom)
        .removes(removes)
        .maxQuarantineRatio(maxQuarantineRatio)
        .retry(retry(keys.get("retry"), path + ".retry", defaultRetry))
        .history(history)
        .key(keys.containsKey("key") ? names(keys.get("key"), path + ".key") : history != null ? history.key() : List.of())
        .volume(volume(keys.get("volume"), path + ".volume"))
        .freshness(freshness(keys.get("freshness"), path + ".freshness"))
        .checks(checks(keys.get("checks"), path + ".checks"))
        .outputs(outputs(keys.get("outputs"), path + ".outputs"))
        .reads(reads(keys.get("reads"), path + ".reads"))
        .eventTime(eventTime(keys.get("event_time"), path + ".event_time"))
        .zorderBy(keys.containsKey("zorder_by") ? names(keys.get("zorder_by"), path + ".zorder_by") : List.of())
        .build();
  }

  /**
   * Every key that appears twice in one mapping, anywhere in the file. YAML parsers keep one of
   * them silently (a second {@code stg_customer:} would replace or be replaced by the first, rules
   * and all), so a repeated key is always an error naming both lines.
   */
  private void duplicateKeys(Node node, String path) {
    if (node instanceof MappingNode m) {
      Map<String, Node> first = new java.util.HashMap<>();
      for (NodeTuple t : m.getValue()) {
        String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
        String keyPath = path.isEmpty() ? String.valueOf(key) : path + "." + key;
        if (key != null) {
          Node earlier = first.putIfAbsent(key, t.getKeyNode());
          if (earlier != null) {
            problem(t.getKeyNode(), keyPath,
                "the key '" + printable(key) + "' appears twice in the same mapping (lines " + (earlier.getStartMark().getLine() + 1)
                    + " and " + (t.getKeyNode().getStartMark().getLine() + 1) + "); only one would count, silently."
                    + " Remove one, or rename it if both are meant");
          }
        }
        duplicateKeys(t.getValueNode(), keyPath);
      }
    } else if (node instanceof SequenceNode seq) {
      for (int i = 0; i < seq.getValue().size(); i++) {
        duplicateKeys(seq.getValue().get(i), path + "[" + i + "]");
      }
    }
  }

  /** Records a problem if {@code name} is not an identifier (see {@link Names}). */
  private void checkName(Node node, String keyPath, String kind, String name) {
    String bad = Names.problem(name);
    if (bad != null) {
      problem(node, keyPath, "the " + kind + " name '" + printable(name) + "' " + bad
          + "; the name becomes a folder of the warehouse, so nothing else is allowed");
    }
  }

  private static String printable(String text) {
    return dev.strata.jobs.Errors.printable(text);
  }

  // ---- node helpers ----

  private Map<String, Node> mapping(MappingNode node, String prefix, Set<String> allowed) {
    Map<String, Node> keys = new LinkedHashMap<>();
    for (NodeTuple t : node.getValue()) {
      String key = scalar(t.getKeyNode());
      if (!allowed.contains(key)) {
        problem(
            t.getKeyNode(),
            prefix + key,
            "unknown key '" + key + "'; expected one of " + new java.util.TreeSet<>(allowed));
        continue;
      }
      // A repeated key was reported by duplicateKeys; the first one counts.
      keys.putIfAbsent(key, t.getValueNode());
    }
    return keys;
  }

  private String requiredString(Map<String, Node> keys, Node parent, String key, String prefix) {
    Node node = keys.get(key);
    if (node == null) {
      problem(parent, prefix + key, "the key '" + key + "' is required");
      return null;
    }
    if (!(node instanceof ScalarNode s) || s.getValue().isBlank()) {
      problem(node, prefix + key, "expected a non-empty text value");
      return null;
    }
    return s.getValue().strip();
  }

  private String optionalString(Map<String, Node> keys, String key, String fallback) {
    Node node = keys.get(key);
    if (node == null) {
      return fallback;
    }
    if (!(node instanceof ScalarNode s)) {
      problem(node, key, "expected a text value, found a " + kind(node));
      return fallback;
    }
    return s.getValue().strip();
  }

  private String scalar(Node node) {
    if (node instanceof ScalarNode s) {
      return s.getValue();
    }
    problem(node, "", "expected a text value, found a " + kind(node));
    return "";
  }

  private static String kind(Node node) {
    return node instanceof MappingNode ? "mapping" : node instanceof SequenceNode ? "list" : "text value";
  }

  private String where(Node node) {
    return fileName + ":" + (node.getStartMark().getLine() + 1);
  }

  private void problem(Node node, String keyPath, String message) {
    String at = node == null ? fileName : where(node);
    problems.add(new Problem(keyPath.isEmpty() ? at : at + " " + keyPath, message));
  }
}

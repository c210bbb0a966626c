package dev.strata.jobs.definition;

import dev.strata.jobs.Errors;
import dev.strata.quality.CompiledRule;
import dev.strata.quality.RowLevelRules;
import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleSpec;
import dev.strata.quality.Rules;
import dev.strata.api.TableTransform;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks what a definition means and builds the runnable {@link Pipeline}. Reports every problem at
 * once. Needs no Spark session: rules, SQL and classes are checked statically.
 */
public final class PipelineValidator {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final PipelineDefinition def;
  private final List<Problem> problems;
  private final Map<String, List<CompiledRule>> rules = new HashMap<>();
  private final Map<String, String> sql = new HashMap<>();

  private PipelineValidator(PipelineDefinition def, List<Problem> problems) {
    this.def = def;
    this.problems = new ArrayList<>(problems);
  }

  /** The result of validation: the pipeline when there are no problems. */
  public record Result(Pipeline pipeline, List<Problem> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** Loads and validates the definition at {@code file}. */
  public static Result validate(java.nio.file.Path file) {
    DefinitionLoader.Result loaded = DefinitionLoader.load(file);
    if (loaded.definition() == null) {
      return new Result(null, loaded.problems());
    }
    return new PipelineValidator(loaded.definition(), loaded.problems()).run();
  }

  /** Loads and validates, or throws the exit-2 error listing every problem. */
  public static Pipeline validateOrThrow(java.nio.file.Path file, String displayName) {
    return validateOrThrow(file, displayName, displayName);
  }

  /** As {@link #validateOrThrow(java.nio.file.Path, String)}; {@code validateArgs} are what the message tells to pass to strata validate. */
  public static Pipeline validateOrThrow(java.nio.file.Path file, String displayName, String validateArgs) {
    Result result = validate(file);
    if (!result.ok()) {
      throw Errors.invalidDefinition(displayName, result.problems(), validateArgs);
    }
    return result.pipeline();
  }

  private Result run() {
    Set<String> sourceNames = new HashSet<>();
    for (SourceDefinition s : def.sources()) {
      sourceNames.add(s.name());
      checkSource(s);
    }
    Map<String, TableDefinition> tables = new LinkedHashMap<>();
    boolean collision = false;
    for (TableDefinition t : def.tables()) {
      if (sourceNames.contains(t.name())) {
        problems.add(new Problem(t.where() + " tables." + t.name(),
            "a source has the same name, so every input naming '" + t.name() + "' would be ambiguous; rename one of them"
                + " (e.g. the table " + t.name() + "_raw)"));
        collision = true;
      }
      tables.put(t.name(), t);
    }
    if (collision) {
      // Inputs, SQL and the graph cannot be checked while a name means two things: what they would
      // report follows from the collision (a table reading itself, a source feeding silver...).
      return new Result(null, problems);
    }
    for (TableDefinition t : def.tables()) {
      checkInputs(t, tables);
      checkTransform(t);
      checkChecks(t);
      checkOutputs(t);
      checkRules(t);
      checkGranularity(t);
      checkEventTime(t, tables);
      checkReads(t, tables);
      checkPartitionColumn(t);
      checkZorder(t);
      checkHistory(t, tables);
    }
    for (PipelineDefinition.Schedule s : def.schedules()) {
      s.layer().filter(l -> def.tables().stream().noneMatch(t -> t.layer() == l)).ifPresent(l -> problems.add(
          new Problem(s.where() + " schedules." + s.name() + ".layer", "the pipeline has no " + l.key() + " table; the job would build nothing")));
    }
    List<TableDefinition> order = Dag.order(def.tables(), problems);
    if (!problems.isEmpty()) {
      return new Result(null, problems);
    }
    return new Result(new Pipeline(def, order, rules, sql), List.of());
  }

  private void checkHistory(TableDefinition t, Map<String, TableDefinition> tables) {
    if (!t.isHistory()) {
      return;
    }
    String at = t.where() + " tables." + t.name();
    if (t.inputs().size() == 1 && !tables.containsKey(t.inputs().get(0))) {
      problems.add(new Problem(at + ".inputs", "a history table keeps the history of a table; '" + t.inputs().get(0) + "' is not one"));
    }
    if (t.rules().stream().anyMatch(r -> r.group() == RuleGroup.QUARANTINE)) {
      problems.add(new Problem(at + ".rules.quarantine", "a history table cannot quarantine rows; quarantine them in its input"));
    }
  }

  private void checkSource(SourceDefinition s) {
    String at = s.where() + " sources." + s.name();
    var declaredFormat = dev.strata.jobs.extension.Extensions.FORMATS.named(s.format());
    try {
      declaredFormat.ifPresent(f -> f.validate(s.options()));
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(at + ".options", e.getMessage()));
    }
    if (!s.files()) {
      checkQueriedSource(s, at);
      return;
    }
    for (String problem : s.template().problems()) {
      problems.add(new Problem(at + ".path", problem));
    }
    if (s.partitionFromPath() && s.granularity() == dev.strata.api.Partition.Granularity.NONE) {
      problems.add(new Problem(at + ".partition", "partition: path takes each row's partition from the path's {date}, {hour} or {month};"
          + " the path has none (it is read whole, for an unpartitioned table): add one, or drop partition: path"));
    }
    Set<String> seen = new HashSet<>();
    for (ColumnSpec c : s.schema()) {
      if (!seen.add(c.name())) {
        problems.add(new Problem(at + ".schema." + c.name(), "the column is declared twice"));
      }
    }
    if (s.freshness() != null && s.freshness().column() != null && !s.columnNames().contains(s.freshness().column())) {
      problems.add(new Problem(s.freshness().where() + ".column",
          "'" + s.freshness().column() + "' is not a declared column of the source; use one of " + s.columnNames()));
    }
    for (String removed : s.drift().approvedRemovals()) {
      if (!s.columnNames().contains(removed.split("\\.")[0])) {
        problems.add(new Problem(s.drift().where() + ".approved_removals",
            "'" + removed + "' is not a declared column (or nested field, as column.field) of the source; declared: " + s.columnNames()));
      }
    }
    var format = dev.strata.jobs.extension.Extensions.FORMATS.named(s.format());
    if (s.drift().added() == DriftPolicy.Added.QUARANTINE && format.isPresent()
        && !(format.get().textual() && format.get().namesColumns(s.options()))) {
      problems.add(new Problem(s.drift().where() + ".added",
          "added: quarantine rejects the records of files whose columns (a CSV header) include undeclared ones; the files of a "
              + s.format() + " source do not name their columns as text, so it can accept or block them"));
    }
  }

  /** A source that is not files (a database): its options, and what only files have. */
  private void checkQueriedSource(SourceDefinition s, String at) {
    if (s.freshness() != null) {
      problems.add(new Problem(at + ".freshness", "the freshness of a " + s.format() + " source is not known before it is read; declare"
          + " freshness on the table that ingests it (freshness: {warn_after: ..., column: ...})"));
    }
    Set<String> seen = new HashSet<>();
    for (ColumnSpec c : s.schema()) {
      if (!seen.add(c.name())) {
        problems.add(new Problem(at + ".schema." + c.name(), "the column is declared twice"));
      }
    }
  }

  private void checkInputs(TableDefinition t, Map<String, TableDefinition> tables) {
    String at = t.where() + " tables." + t.name() + ".inputs";
    if (t.inputs().isEmpty()) {
      problems.add(new Problem(at, "a table must have at least one input"));
    }
    if (t.rowsFrom() != null && !t.rowsFrom().equals(TableDefinition.AGGREGATE) && !t.inputs().contains(t.rowsFrom())) {
      problems.add(
          new Problem(
              t.where() + " tables." + t.name() + ".rows_from",
              "'" + t.rowsFrom() + "' is not an input of the table; name one of " + t.inputs() + ", or aggregate"));
    }
    for (String input : t.inputs()) {
      if (input.equals(t.name())) {
        problems.add(new Problem(at, "the table lists itself as an input"));
      } else if (def.source(input).isPresent()) {
        if (t.layer() != null && t.layer() != Layer.BRONZE) {
          problems.add(
              new Problem(
                  at,
                  "source '" + input + "' feeds a " + t.layer().key()
                      + " table; only bronze tables read landing sources. Read its bronze table instead"));
        }
      } else if (tables.containsKey(input)) {
        Layer upstream = tables.get(input).layer();
        if (t.layer() != null && upstream != null && upstream.ordinal() > t.layer().ordinal()) {
          problems.add(
              new Problem(
                  at,
                  "a " + t.layer().key() + " table cannot read '" + input + "', a "
                      + upstream.key() + " table: data flows bronze -> silver -> gold"));
        }
      } else {
        problems.add(
            new Problem(
                at,
                "unknown input '" + input + "': it is neither a source nor a table of this pipeline"
                    + suggestion(input)));
      }
    }
  }

  private String suggestion(String name) {
    List<String> known = new ArrayList<>();
    def.sources().forEach(s -> known.add(s.name()));
    def.tables().forEach(t -> known.add(t.name()));
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = distance(name, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best == null ? "" : " (did you mean '" + best + "'?)";
  }

  /** Each check a table uses: on the classpath, at a level its scope allows, with options it accepts. */
  private void checkChecks(TableDefinition t) {
    for (CheckSpec c : t.checks()) {
      var check = dev.strata.jobs.extension.Extensions.CHECKS.named(c.check());
      if (check.isEmpty()) {
        problems.add(new Problem(c.where() + ".check", "unknown check '" + c.check() + "'; the checks on the classpath are "
            + dev.strata.jobs.extension.Extensions.CHECKS.all().keySet() + ": add the jar of a dev.strata.api.Check named '" + c.check() + "'"));
        continue;
      }
      if (c.level() == dev.strata.quality.RuleGroup.QUARANTINE && check.get().scope() != dev.strata.api.Check.Scope.ROW) {
        problems.add(new Problem(c.where() + ".level", "'" + c.check() + "' is a dataset-level check: it can fail the gate"
            + " (level: error) or warn (level: warn), but has no rows to quarantine"));
      }
      try {
        check.get().validate(dev.strata.api.Options.of(c.options()));
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(c.where() + ".options", e.getMessage()));
      }
    }
  }

  /** Each sink a table delivers to: on the classpath, with options it accepts. */
  private void checkOutputs(TableDefinition t) {
    if (t.isHistory() && !t.outputs().isEmpty()) {
      problems.add(new Problem(t.where() + " tables." + t.name() + ".outputs",
          "a history table has no partitions to deliver (each build rewrites its tail); give the outputs to a table that reads it"));
      return;
    }
    Set<String> names = new java.util.HashSet<>();
    for (OutputSpec s : t.outputs()) {
      if (!names.add(s.name())) {
        problems.add(new Problem(s.where() + ".name", "another output of " + t.name() + " is named '" + s.name()
            + "': each needs a name of its own (name: ...), which its deliveries are recorded under"));
      }
      var sink = dev.strata.jobs.extension.Extensions.SINKS.named(s.sink());
      if (sink.isEmpty()) {
        problems.add(new Problem(s.where() + ".sink", "unknown sink '" + s.sink() + "'; the sinks on the classpath are "
            + dev.strata.jobs.extension.Extensions.SINKS.all().keySet() + ": add the jar of a dev.strata.api.Sink named '" + s.sink() + "'"));
        continue;
      }
      try {
        sink.get().validate(dev.strata.api.Options.of(s.options(), s.where() + ".options"));
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(s.where() + ".options", e.getMessage()));
        continue;
      }
      if (s.sink().equals("files")) {
        // Each partition's files go to a folder of their own: the path names the table's partitions.
        var g = PathTemplate.of(s.options().get("path")).granularity();
        var mine = t.unpartitioned() ? dev.strata.api.Partition.Granularity.NONE : t.granularity();
        if (g != mine) {
          problems.add(new Problem(s.where() + ".options.path", mine == dev.strata.api.Partition.Granularity.NONE
              ? "'" + s.options().get("path") + "' names a partition, but " + t.name() + " is unpartitioned (replaced whole): write a path"
                  + " without {date}, {hour} or {month}"
              : "'" + s.options().get("path") + "' must name each " + mine.key() + " of " + t.name() + " (its partitions), so that a"
                  + " partition's files replace only that partition's: put " + (mine == dev.strata.api.Partition.Granularity.HOUR
                      ? "{date}/{hour}" : mine == dev.strata.api.Partition.Granularity.MONTH ? "{month}" : "{date}") + " in it"));
        }
      }
    }
  }


  private void checkTransform(TableDefinition t) {
    String at = t.where() + " tables." + t.name();
    if (t.step() != null) {
      // A program given by a relative path ships with the definition: it must be there. A bare
      // name is looked up on the PATH of the host that runs it, which need not be this one.
      String program = t.step().command().get(0);
      if (program.contains("/")) {
        java.nio.file.Path file = t.step().definitionFolder().resolve(program).normalize();
        if (!Files.isRegularFile(file)) {
          problems.add(new Problem(t.step().where() + ".command", "no program " + program + " (" + file + "); put it beside pipeline.yaml or fix the path"));
        } else if (!Files.isExecutable(file)) {
          problems.add(new Problem(t.step().where() + ".command", program + " is not executable; chmod +x " + file
              + ", or name its interpreter first (command: [python3, " + program + "])"));
        }
      }
    }
    if (t.transformClass() != null) {
      try {
        Class<?> c = Class.forName(t.transformClass(), false, Thread.currentThread().getContextClassLoader());
        if (!TableTransform.class.isAssignableFrom(c)) {
          problems.add(
              new Problem(at + ".transform", "class " + t.transformClass() + " does not implement " + TableTransform.class.getName()));
        } else if (Modifier.isAbstract(c.getModifiers())) {
          problems.add(new Problem(at + ".transform", "class " + t.transformClass() + " is abstract"));
        } else {
          try {
            TableTransform transform = c.asSubclass(TableTransform.class).getConstructor().newInstance();
            String optionsAt = t.transform().where() + " tables." + t.name() + ".transform.options";
            try {
              // The problem names where the options are; the message need not say it again.
              transform.validate(dev.strata.api.Options.of(t.transform().options()));
            } catch (IllegalArgumentException e) {
              problems.add(new Problem(optionsAt, e.getMessage()));
            }
          } catch (NoSuchMethodException e) {
            problems.add(new Problem(at + ".transform", "class " + t.transformClass() + " has no public no-argument constructor"));
          } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException i && i.getCause() != null ? i.getCause() : e;
            problems.add(new Problem(at + ".transform", "cannot create " + t.transformClass() + ": " + cause));
          }
        }
      } catch (ClassNotFoundException | LinkageError e) {
        problems.add(
            new Problem(
                at + ".transform",
                "class " + t.transformClass() + " is not on the classpath; check the name, or add the jar"
                    + " that holds it"));
      }
    }
    if (t.sqlFile() != null) {
      String text;
      try {
        text = Files.readString(t.sqlFile(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        problems.add(new Problem(at + ".sql", "cannot read SQL file " + t.sqlFile() + "; create it beside pipeline.yaml or fix the name"));
        return;
      }
      SqlCheck.Result check = SqlCheck.check(text);
      if (check.problem() != null) {
        problems.add(new Problem(t.sqlFile() + check.line() + " (table " + t.name() + ")", check.problem()));
        return;
      }
      for (String relation : check.relations()) {
        if (!t.inputs().contains(relation)) {
          problems.add(
              new Problem(
                  t.sqlFile() + " (table " + t.name() + ")",
                  "the query reads '" + relation + "', which is not an input of the table; add it to"
                      + " inputs or fix the name"));
        }
      }
      sql.put(t.name(), text);
    }
  }

  private void checkRules(TableDefinition t) {
    List<CompiledRule> compiled = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (RuleSpec spec : t.rules()) {
      String at = spec.origin().startsWith("built-in") ? t.where() + " tables." + t.name() : spec.origin();
      if (!seen.add(spec.text().strip())) {
        problems.add(new Problem(at, "rule '" + spec.text() + "' is declared twice for this table"));
        continue;
      }
      Rules.Compilation c = Rules.compile(spec);
      if (!c.ok()) {
        problems.add(new Problem(at, "rule '" + spec.text() + "': " + c.problem()));
        continue;
      }
      if (spec.group() == RuleGroup.QUARANTINE && !RowLevelRules.isRowLevel(c.rule())) {
        problems.add(
            new Problem(
                at,
                "rule '" + spec.text() + "' decides on the whole dataset, not row by row, so it cannot"
                    + " quarantine rows; move it to error or warn (row-level types: " + RowLevelRules.rowLevelTypes() + ")"));
        continue;
      }
      for (String alias : Rules.referencedDatasets(c.rule())) {
        if (!t.inputs().contains(alias)) {
          problems.add(
              new Problem(
                  at,
                  "rule '" + spec.text() + "' compares with '" + alias + "', which is not an input of"
                      + " the table; add it to the table's inputs"));
        }
      }
      compiled.add(c.rule());
    }
    rules.put(t.name(), compiled);
  }

  /**
   * A table's granularity against what it reads: a bronze table's partitions are its sources'
   * (their paths' tokens say which); a history table keeps one snapshot per partition, so it has
   * partitions.
   */
  private void checkGranularity(TableDefinition t) {
    String at = t.where() + " tables." + t.name();
    for (String input : t.inputs()) {
      def.source(input).filter(s -> s.granularity() != t.granularity()).ifPresent(s -> {
        if (s.granularity() == dev.strata.api.Partition.Granularity.NONE) {
          problems.add(new Problem(at + ".granularity", "source '" + s.name() + "' has no {date}, {hour} or {month} in its path ("
              + s.path() + "), so it is read whole; " + t.name() + " is partitioned by " + t.granularity().key() + ": write granularity:"
              + " none on " + t.name() + " for a table rebuilt whole by every run, or put {date} in the source's path (" + s.where() + ")"));
        } else {
          problems.add(new Problem(at + ".granularity", t.name() + " is " + describe(t.granularity()) + " but source '" + s.name()
              + "' lands " + s.granularity().key() + " by " + s.granularity().key() + " (its path " + s.path() + "); a bronze table's"
              + " partitions are its source's: drop granularity from " + t.name() + ", or change the source's path tokens"));
        }
      });
    }
    if (t.isHistory() && t.granularity() != dev.strata.api.Partition.Granularity.DAY) {
      problems.add(new Problem(at + ".granularity", "a history table applies one daily snapshot after the other (its versions are valid"
          + " from a day to a day); it is partitioned by day, not " + (t.unpartitioned() ? "unpartitioned" : "by " + t.granularity().key())
          + ": set granularity: day on it"));
    }
  }

  /**
   * A table partitioned by event time reads the landing-time partitions of one input table, its
   * rows_from, of the same granularity; its expression must parse and its lookback be whole partitions.
   */
  private void checkEventTime(TableDefinition t, Map<String, TableDefinition> tables) {
    TableDefinition.EventTime e = t.eventTime();
    if (e == null) {
      return;
    }
    String at = e.where();
    if (t.layer() == Layer.BRONZE || t.isHistory()) {
      problems.add(new Problem(at, "event_time partitions a silver or gold table by the time its rows happened; a "
          + (t.isHistory() ? "history" : "bronze") + " table keeps its rows as they landed"));
      return;
    }
    TableDefinition from = t.rowsFrom() == null ? null : tables.get(t.rowsFrom());
    if (from == null) {
      problems.add(new Problem(at, "event_time sorts the rows of the table's rows_from input into the partitions of their event time;"
          + " rows_from is " + (t.rowsFrom() == null ? "not set" : "'" + t.rowsFrom() + "', not a table") + ": name the input table whose rows"
          + " arrive late"));
      return;
    }
    if (t.granularity() != dev.strata.api.Partition.Granularity.DAY && t.granularity() != dev.strata.api.Partition.Granularity.HOUR) {
      problems.add(new Problem(at, "event_time needs a table partitioned by day or hour; " + t.name() + " is " + describe(t.granularity())));
    } else if (from.granularity() != t.granularity()) {
      problems.add(new Problem(at, "event_time reads '" + from.name() + "' one landing " + t.granularity().key() + " at a time; it is "
          + describe(from.granularity()) + ": give " + t.name() + " the same granularity"));
    } else {
      java.time.Duration unit = t.granularity() == dev.strata.api.Partition.Granularity.HOUR ? java.time.Duration.ofHours(1)
          : java.time.Duration.ofDays(1);
      if (e.lookback().isNegative() || e.lookback().toMillis() % unit.toMillis() != 0 || e.partitions(t.granularity()) > 366) {
        problems.add(new Problem(at + ".lookback", "the lookback is counted in whole " + t.granularity().key() + "s, at most 366 of them;"
            + " found " + Durations.format(e.lookback())));
      }
    }
    try {
      org.apache.spark.sql.catalyst.parser.CatalystSqlParser$.MODULE$.parseExpression(e.expression());
    } catch (RuntimeException ex) {
      problems.add(new Problem(at + ".expression", "'" + e.expression() + "' is not a Spark SQL expression: "
          + Errors.firstLine(ex.getMessage())));
    }
  }

  /** A window names an input table, partitioned like its reader, that is not already read by event time or as a history. */
  private void checkReads(TableDefinition t, Map<String, TableDefinition> tables) {
    for (Map.Entry<String, TableDefinition.Window> e : t.reads().entrySet()) {
      String at = e.getValue().where();
      TableDefinition input = tables.get(e.getKey());
      if (input == null || !t.inputs().contains(e.getKey())) {
        problems.add(new Problem(at, "'" + e.getKey() + "' is not an input table of " + t.name() + "; reads names input tables: "
            + t.inputs().stream().filter(tables::containsKey).toList()));
      } else if (t.unpartitioned() || input.unpartitioned() || input.isHistory()) {
        problems.add(new Problem(at, "a window reads the partitions of a partitioned input up to those of a partitioned table; "
            + (t.unpartitioned() ? t.name() + " is unpartitioned (it reads every partition already)" : input.isHistory()
                ? "'" + input.name() + "' is a history, read as of each day" : "'" + input.name() + "' is unpartitioned")));
      } else if (t.eventTime() != null && e.getKey().equals(t.rowsFrom())) {
        problems.add(new Problem(at, "'" + e.getKey() + "' is read by event time (event_time.lookback); it takes no other window"));
      }
    }
  }

  private static String describe(dev.strata.api.Partition.Granularity g) {
    return g == dev.strata.api.Partition.Granularity.NONE ? "unpartitioned" : "partitioned by " + g.key();
  }

  private void checkZorder(TableDefinition t) {
    for (String c : t.zorderBy()) {
      String at = t.where() + " tables." + t.name() + ".zorder_by";
      if (!IDENTIFIER.matcher(c).matches()) {
        problems.add(new Problem(at, "'" + c + "' is not a column name"));
      } else if (!t.unpartitioned() && c.equals(t.partitionColumn())) {
        problems.add(new Problem(at, "'" + c + "' is the partition column: each partition's files hold one value of it already;"
            + " name the columns queries filter by within a partition"));
      }
    }
  }

  private void checkPartitionColumn(TableDefinition t) {
    String at = t.where() + " tables." + t.name() + ".partition_column";
    if (t.unpartitioned()) {
      return;
    }
    if (!IDENTIFIER.matcher(t.partitionColumn()).matches()) {
      problems.add(new Problem(at, "'" + t.partitionColumn() + "' is not a column name"));
      return;
    }
    for (String input : t.inputs()) {
      // A source of another granularity is reported by checkGranularity: its partition column follows from that.
      def.source(input).filter(s -> s.granularity() == t.granularity()).ifPresent(s -> {
        boolean declared = s.columnNames().contains(t.partitionColumn());
        if (s.partitionFromPath() && declared) {
          problems.add(new Problem(s.where() + " sources." + s.name() + ".partition",
              "partition: path gives every row of '" + s.name() + "' the partition of its path as column '" + t.partitionColumn()
                  + "' (the partition_column of " + t.name() + "), which the source also declares as a column of its files;"
                  + " remove it from the schema, or write partition: column to take it from the data"));
        } else if (!s.partitionFromPath() && !declared) {
          problems.add(new Problem(at,
              "partition column '" + t.partitionColumn() + "' is missing from the declared schema of source '" + s.name() + "' ("
                  + s.where() + "); declare it there, set the table's partition_column, or write partition: path on the source"
                  + " to take each row's partition from the {date} of its path"));
        }
      });
    }
  }

  /** Levenshtein distance, for "did you mean" hints. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] tmp = prev;
      prev = cur;
      cur = tmp;
    }
    return prev[b.length()];
  }
}

package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;

import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Quarantine;
import dev.strata.jobs.io.SourceReader;
import dev.strata.jobs.ledger.BuildRecord;
import dev.strata.jobs.run.RunRequest;
import dev.strata.quality.GateResult;
import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Phase 1 of a build: resolves what it reads. The contracts of its inputs first (freshness of each
 * source and upstream table, schema drift of each source), then their rows for the partition: a
 * source's landing files parsed once, an upstream table's partition only if the ledger says it was
 * published.
 */
final class InputResolver {
  private final RunScope run;

  InputResolver(RunScope run) {
    this.run = run;
  }

  /**
   * What a build reads, resolved (phase 1).
   *
   * @param contracts the freshness and drift rules of its inputs, all passed or warned
   * @param rows each input's rows for the partition
   * @param malformed per source, the lines that could not be read (computed again from the landing
   *     files only if the write's observation counted some)
   * @param observed per source, the name of the observation ({@link #ROWS}, {@link #MALFORMED})
   *     that counts its lines as the build's write reads them
   * @param landed per source, its landing files as the run listed them before reading any (its
   *     preflight): what the ledger records as ingested if the build publishes
   */
  record Inputs(
      GateResult contracts, Map<String, Dataset<Row>> rows, Map<String, Dataset<Row>> malformed, Map<String, String> observed,
      Map<String, List<HadoopFiles.FileInfo>> landed) {}

  /** What a source's observation counts: every line read, and the malformed ones among them. */
  static final String ROWS = "rows";
  static final String MALFORMED = "malformed";

  /**
   * The freshness rules of what this table reads: each source's as the run found it when it
   * started, each upstream table's as it is now (after this run published it, if it did).
   */
  GateResult freshnessRules(SparkSession session, TableDefinition table) {
    List<RuleResult> results = new ArrayList<>();
    for (String input : table.inputs()) {
      Sensors.Freshness f = run.freshness().get(input);
      if (f == null && run.pipeline().definition().source(input).isEmpty() && run.pipeline().table(input).freshness() != null) {
        f = new Sensors(session.sparkContext().hadoopConfiguration(), run.ctx().warehouse(), run.ctx().clock())
            .freshness(session, run.pipeline().name(), run.pipeline().table(input), run.ledger());
      }
      if (f != null) {
        results.addAll(freshnessResults(table, f));
      }
    }
    return new GateResult(results);
  }

  /** A freshness rule's results: one per limit it sets, error first. */
  private static List<RuleResult> freshnessResults(TableDefinition table, Sensors.Freshness f) {
    List<CheckRunner.Use> limits = new ArrayList<>();
    if (f.rule().errorAfter() != null) {
      limits.add(ContractChecks.freshness(f, RuleGroup.ERROR, f.rule().errorAfter()));
    }
    if (f.rule().warnAfter() != null) {
      limits.add(ContractChecks.freshness(f, RuleGroup.WARN, f.rule().warnAfter()));
    }
    return CheckRunner.evaluate(limits, CheckRunner.input(table.name(), null, null, -1, Map.of(), java.util.TreeMap::new), List.of(), 0);
  }

  /**
   * The schema contract of each source this table ingests: a breaking change (a declared column
   * missing without approval, a type that cannot be cast safely, an added column the policy
   * blocks) fails an error rule; any difference at all fails a warn rule, so that accepted drift is
   * reported too. Both carry the diff; neither appears when the files are as declared.
   */
  GateResult driftRules(TableDefinition table, Partition partition) {
    List<RuleResult> results = new ArrayList<>();
    for (String input : table.inputs()) {
      var source = run.pipeline().definition().source(input);
      if (source.isEmpty()) {
        continue;
      }
      dev.strata.jobs.io.SchemaDrift diff = run.sources().drift(source.get(), partition);
      if (!diff.any()) {
        // Files as declared: nothing to report (the rules appear only when there is a difference).
        continue;
      }
      results.addAll(CheckRunner.evaluate(ContractChecks.drift(input, partition, diff, source.get().drift()),
          CheckRunner.input(table.name(), partition, null, -1, Map.of(), java.util.TreeMap::new), List.of(), 0));
    }
    return new GateResult(results);
  }

  Inputs readInputs(SparkSession session, TableDefinition table, Partition partition, GateResult contracts) {
    Map<String, List<HadoopFiles.FileInfo>> landed = new LinkedHashMap<>();
    for (String input : table.inputs()) {
      run.pipeline().definition().source(input).ifPresent(s -> landed.put(input, run.sources().landed(s, partition)));
    }
    Map<String, Dataset<Row>> rows = new LinkedHashMap<>();
    Map<String, Dataset<Row>> malformed = new LinkedHashMap<>();
    Map<String, String> observed = new LinkedHashMap<>();
    for (String input : table.inputs()) {
      var source = run.pipeline().definition().source(input);
      if (source.isPresent()) {
        SourceReader.SourceRows read = run.sources().read(session, source.get(), partition, table.partitionColumn(), run.ingestedAt());
        // The landing files are parsed by the build's write itself, which counts every line and
        // the malformed ones as it goes: nothing is staged, and malformed lines are looked for
        // again only if there are some.
        String name = "strata-input-" + input + "-" + java.util.UUID.randomUUID();
        Dataset<Row> all = read.all().observe(name, count(lit(1)).as(ROWS),
            count_if(size(col(Quarantine.FAILED_RULES)).gt(0)).as(MALFORMED));
        rows.put(input, read.rows(all));
        malformed.put(input, read.malformed(read.all()));
        observed.put(input, name);
      } else if (table.eventTime() != null && input.equals(table.rowsFrom())) {
        // Partitioned by event time: the landing partitions that may hold this partition's rows,
        // sorted into this partition's and those this build quarantines (late, undated).
        TableDefinition upstream = run.pipeline().table(input);
        Dataset<Row> window = readWindow(session, table.name(), upstream, partition, LateData.lastLanding(table, partition));
        LateData.Routed routed = LateData.route(table, partition, window, upstream.partitionColumn(),
            dev.strata.jobs.io.Partitions.isDate(window.schema().apply(upstream.partitionColumn()).dataType()));
        rows.put(input, routed.rows());
        malformed.put(input, routed.rejected());
      } else if (table.reads().containsKey(input)) {
        rows.put(input, readWindowed(session, table.name(), run.pipeline().table(input), partition, table.reads().get(input)));
      } else {
        rows.put(input, readTable(session, table.name(), run.pipeline().table(input), partition));
      }
    }
    return new Inputs(contracts, rows, malformed, observed, landed);
  }

  /**
   * An upstream table's partitions from {@code first} to {@code last} (of its granularity), as
   * published: those the ledger knows must be published (a later one that was blocked blocks this
   * build too); those not built yet are absent. At least one must have been published.
   */
  Dataset<Row> readWindow(SparkSession session, String reader, TableDefinition upstream, Partition first, Partition last) {
    Dataset<Row> all = whole(session, reader, upstream, first);
    checkPublished(reader, upstream, RunRequest.range(first, last), first, path(upstream));
    return all.where(dev.strata.jobs.io.Partitions.between(all.schema(), upstream.partitionColumn(), first, last));
  }

  /** Every row of an upstream table, or the exit-5 error naming {@code named} if it was never published. */
  private Dataset<Row> whole(SparkSession session, String reader, TableDefinition upstream, Partition named) {
    return DeltaTables.read(session, path(upstream), null, null)
        .orElseThrow(() -> Errors.upstreamNeverPublished(reader, upstream.name(), named, path(upstream)));
  }

  private String path(TableDefinition table) {
    return run.ctx().warehouse().tablePath(table.layer(), table.name());
  }

  /**
   * An upstream table's partitions over a window that ends with the partition being built: those
   * of the window's span before its end (the last 30 days through it), or every one through it.
   */
  Dataset<Row> readWindowed(SparkSession session, String reader, TableDefinition upstream, Partition partition, TableDefinition.Window window) {
    Partition last = Partition.of(upstream.granularity(), partition.end().minusNanos(1));
    if (window.span() != null) {
      return readWindow(session, reader, upstream, Partition.of(upstream.granularity(), partition.end().minus(window.span())), last);
    }
    Dataset<Row> all = whole(session, reader, upstream, last);
    List<Partition> known = run.ledger().latestBuilds(run.pipeline().name()).stream()
        .filter(u -> u.unit().table().equals(upstream.name()) && u.unit().partition().compareTo(last) <= 0)
        .map(u -> u.unit().partition()).toList();
    checkPublished(reader, upstream, known.isEmpty() ? List.of(last) : known, last, path(upstream));
    return all.where(dev.strata.jobs.io.Partitions.upTo(all.schema(), upstream.partitionColumn(), last));
  }

  /**
   * An upstream table's rows for the partition being built, as published: its partition of the
   * same time, the hours of a day (or days of a month) it holds, the day an hour lies in; the whole
   * of an unpartitioned upstream table, and the whole of any upstream for an unpartitioned reader.
   * The ledger decides what may be read, not the table's existence: a table can hold an old
   * partition while its latest build of it was blocked or failed.
   */
  Dataset<Row> readTable(SparkSession session, String reader, TableDefinition upstream, Partition partition) {
    String path = path(upstream);
    // A history table is read as of the partition: each key's version valid that day.
    Optional<Dataset<Row>> rows = DeltaTables.partition(session, run.ctx().warehouse(), upstream, partition);
    if (rows.isEmpty()) {
      throw Errors.upstreamNeverPublished(reader, upstream.name(), partition, path);
    }
    if (partition.isWhole() && !upstream.unpartitioned()) {
      // An unpartitioned reader reads every partition the upstream table published.
      return rows.get();
    }
    List<Partition> covering = upstream.unpartitioned() || !upstream.granularity().finerThan(partition.granularity())
        ? List.of(Partition.of(upstream.granularity(), partition.start()))
        : partition.as(upstream.granularity());
    checkPublished(reader, upstream, covering, covering.size() == 1 ? covering.get(0) : partition, path);
    return rows.get();
  }

  /**
   * Checks that an upstream table's partitions may be read: each one this run did not publish
   * itself and the ledger knows must have been published by its latest build; partitions never
   * built are absent (an hour without data), but not all of them.
   *
   * @param named the partition a message about none of them names
   */
  private void checkPublished(String reader, TableDefinition upstream, List<Partition> covering, Partition named, String path) {
    // Those this run published were recorded in the ledger before this build started.
    List<Partition> unknown = covering.stream().filter(p -> !run.publishedInRun().contains(RunRequest.unit(upstream.name(), p))).toList();
    if (unknown.isEmpty()) {
      return;
    }
    Map<Partition, BuildRecord> latest = run.ledger().latestBuilds(run.pipeline().name(), upstream.name(), unknown);
    for (BuildRecord b : latest.values()) {
      if (!b.published()) {
        throw Errors.upstreamNotPublished(reader, upstream.name(), b.unit().partition(), b.status().name(), b.runId(), b.recordedAt());
      }
    }
    if (latest.isEmpty() && unknown.size() == covering.size()) {
      throw Errors.upstreamNeverPublished(reader, upstream.name(), named, path);
    }
  }
}

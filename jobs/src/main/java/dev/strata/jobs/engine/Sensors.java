package dev.strata.jobs.engine;

import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.SourceDefinition;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a run waits for or checks before it builds anything: marker files ({@code --wait-for}) and
 * the freshness of its sources.
 */
public final class Sensors {
  /** The marker a producer writes into a folder when the folder is complete (Hadoop's convention). */
  public static final String SUCCESS_MARKER = "_SUCCESS";

  private final Configuration conf;
  private final Warehouse warehouse;
  private final Clock clock;
  private final Landing landing;

  public Sensors(Configuration conf, Warehouse warehouse, Clock clock) {
    this.conf = conf;
    this.warehouse = warehouse;
    this.clock = clock;
    this.landing = new Landing(warehouse, new HadoopFiles(conf));
  }

  /**
   * Waits until every path exists, for every partition ({@code {date}} in a path stands for each),
   * polling every {@code poll}. A path naming a folder waits for its {@code _SUCCESS} marker.
   *
   * @throws StrataException.UpstreamNotReadyException listing what is still missing at the timeout
   */
  public void waitFor(List<String> paths, List<Partition> partitions, Duration timeout, Duration poll, PrintWriter out) {
    Set<String> pending = new LinkedHashSet<>();
    for (String p : paths) {
      if (dev.strata.jobs.definition.PathTemplate.TOKEN.matcher(p).find()) {
        partitions.forEach(d -> pending.add(warehouse.resolve(SourceDefinition.withDate(p, d))));
      } else {
        pending.add(warehouse.resolve(p));
      }
    }
    Instant deadline = clock.instant().plus(timeout);
    boolean announced = false;
    while (true) {
      pending.removeIf(this::ready);
      if (pending.isEmpty()) {
        if (announced) {
          out.println("Sensor: every --wait-for path is there; starting.");
        }
        return;
      }
      if (!clock.instant().isBefore(deadline)) {
        throw new StrataException.UpstreamNotReadyException(
            String.format(
                "Not starting: after waiting %s, %d --wait-for path%s still missing: %s. A folder counts when it holds %s."
                    + " Check the producer, or wait longer with --wait-timeout.",
                Durations.format(timeout), pending.size(), pending.size() == 1 ? " is" : "s are", pending, SUCCESS_MARKER));
      }
      if (!announced) {
        out.printf("Sensor: waiting up to %s for %s (polling every %s)%n", Durations.format(timeout), pending, Durations.format(poll));
        out.flush();
        announced = true;
      }
      Retrier.sleep(Duration.ofMillis(Math.min(poll.toMillis(), Math.max(1, Duration.between(clock.instant(), deadline).toMillis()))));
    }
  }

  private boolean ready(String location) {
    try {
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return false;
      }
      return !fs.getFileStatus(path).isDirectory() || fs.exists(new Path(path, SUCCESS_MARKER));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * How fresh a source or table is, now: the age of its newest data.
   *
   * @param name the source or table
   * @param table whether it is a table
   * @param rule its freshness rule
   * @param newest what the age was measured on (a file, or the newest event time and where), if
   *     there is any data at all
   * @param age how old the newest data is (zero if there is none)
   */
  public record Freshness(String name, boolean table, dev.strata.jobs.definition.Freshness rule, Optional<String> newest, Duration age) {
    public boolean tooOld(Duration limit) {
      return limit != null && (newest.isEmpty() || age.compareTo(limit) > 0);
    }

    /** The age in hours, as rules observe it ({@link #metric()}) and messages print it. */
    public double ageHours() {
      return age.toMillis() / 3_600_000.0;
    }

    /** The metric the rule is decided on, e.g. {@code Source.customers.AgeHours}. */
    public String metric() {
      return (table ? "Table." : "Source.") + name + ".AgeHours";
    }

    /** The rule's text, e.g. {@code Freshness "customers" <= 48h}. */
    public String ruleText(Duration limit) {
      return "Freshness \"" + name + "\"" + (rule.column() == null ? "" : " on " + rule.column()) + " <= " + Durations.format(limit);
    }

    /** Why the data is too old for {@code limit}, named {@code limitName} (warn_after or error_after). */
    public String staleness(String limitName, Duration limit) {
      String what = (table ? "table '" : "source '") + name + "'";
      if (newest.isEmpty()) {
        return what + (table ? " has never published a partition" : " has no landing file at all") + " (" + rule.where() + ")";
      }
      double hours = ageHours();
      String measured =
          rule.column() != null
              ? String.format(java.util.Locale.ROOT, "its newest %s, %s, is %.1f h old", rule.column(), newest.get(), hours)
              : table
                  ? String.format(java.util.Locale.ROOT, "it last published %.1f h ago (%s)", hours, newest.get())
                  : String.format(java.util.Locale.ROOT, "its newest file %s landed %.1f h ago", newest.get(), hours);
      return String.format("%s is stale: %s, above %s %s (%s)", what, measured, limitName, Durations.format(limit), rule.where());
    }

    /** ERROR, WARN or OK for the age now. */
    public String level() {
      return tooOld(rule.errorAfter()) ? "ERROR" : tooOld(rule.warnAfter()) ? "WARN" : "OK";
    }
  }

  /**
   * The freshness of a source: the newest event time in its newest landed partition if the rule
   * names a column, else the modification time of its newest landing file among those {@link
   * Landing} finds in its partition folders (the files the source reads).
   */
  public Freshness freshness(SparkSession spark, SourceDefinition source) {
    java.util.Map<Partition, List<HadoopFiles.FileInfo>> landed = landing.scan(source);
    if (source.freshness().column() != null) {
      java.util.Map.Entry<Partition, List<HadoopFiles.FileInfo>> newestDay =
          landed.entrySet().stream().filter(e -> !e.getValue().isEmpty()).max(java.util.Map.Entry.comparingByKey()).orElse(null);
      if (newestDay == null) {
        return new Freshness(source.name(), false, source.freshness(), Optional.empty(), Duration.ZERO);
      }
      // The files as the producer wrote them (a CSV header names the columns), read by the source's
      // format; the event time parsed as Spark casts text to a timestamp.
      List<String> paths = newestDay.getValue().stream().map(HadoopFiles.FileInfo::path).toList();
      dev.strata.api.SourceFormat format = dev.strata.jobs.extension.Extensions.FORMATS.get(source.format());
      org.apache.spark.sql.types.StructType columns = format.columns(spark, paths.get(0), source.options())
          .orElseGet(() -> dev.strata.jobs.io.SourceReader.declared(source, format.textual()));
      Dataset<Row> rows = format.read(spark, new dev.strata.api.SourceFormat.Read(
          paths, columns, source.options(), format.textual() ? "_strata_corrupt_record" : null, "_strata_source_file"));
      return eventTime(source.name(), false, source.freshness(), rows, "landed partition " + newestDay.getKey());
    }
    Optional<HadoopFiles.FileInfo> newest =
        landed.values().stream().flatMap(List::stream).max(java.util.Comparator.comparingLong(HadoopFiles.FileInfo::modifiedAt));
    if (newest.isEmpty()) {
      return new Freshness(source.name(), false, source.freshness(), Optional.empty(), Duration.ZERO);
    }
    return new Freshness(source.name(), false, source.freshness(), Optional.of(newest.get().path()), age(Instant.ofEpochMilli(newest.get().modifiedAt())));
  }

  /**
   * The freshness of a table: the newest event time in its newest published partition if the rule
   * names a column, else how long ago it last published, as the ledger says.
   */
  public Freshness freshness(SparkSession spark, String pipeline, dev.strata.jobs.definition.TableDefinition table, dev.strata.jobs.ledger.Ledger ledger) {
    Optional<dev.strata.jobs.ledger.Ledger.LastPublish> last = ledger.lastPublish(pipeline, table.name());
    if (last.isEmpty()) {
      return new Freshness(table.name(), true, table.freshness(), Optional.empty(), Duration.ZERO);
    }
    if (table.freshness().column() == null) {
      return new Freshness(table.name(), true, table.freshness(), Optional.of("partition " + last.get().newestPartition() + ", run "
          + last.get().runId()), age(last.get().at()));
    }
    Optional<Dataset<Row>> rows = dev.strata.jobs.io.DeltaTables.partition(spark, warehouse, table, last.get().newestPartition());
    if (rows.isEmpty()) {
      return new Freshness(table.name(), true, table.freshness(), Optional.empty(), Duration.ZERO);
    }
    return eventTime(table.name(), true, table.freshness(), rows.get(), "partition " + last.get().newestPartition());
  }

  private Freshness eventTime(String name, boolean table, dev.strata.jobs.definition.Freshness rule, Dataset<Row> rows, String where) {
    if (!java.util.Arrays.asList(rows.columns()).contains(rule.column())) {
      throw new StrataException.InvalidException(String.format(
          "Cannot check the freshness of %s '%s': it has no column '%s' (%s). Its columns: %s. Fix freshness.column.",
          table ? "table" : "source", name, rule.column(), rule.where(), java.util.Arrays.toString(rows.columns())), null);
    }
    Row max = rows.agg(org.apache.spark.sql.functions.max(org.apache.spark.sql.functions.col("`" + rule.column() + "`").cast("timestamp"))).head();
    if (max.isNullAt(0)) {
      return new Freshness(name, table, rule, Optional.empty(), Duration.ZERO);
    }
    Instant newest = max.getTimestamp(0).toInstant();
    return new Freshness(name, table, rule, Optional.of(newest + " in " + where), age(newest));
  }

  private Duration age(Instant newest) {
    Duration age = Duration.between(newest, clock.instant());
    return age.isNegative() ? Duration.ZERO : age;
  }
}

package dev.strata.jobs.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Quarantine;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code strata quarantine list|replay}: see what was rejected and why, and take it back once fixed. */
@Command(
    name = "quarantine",
    description = "List quarantined rows, or replay a table's partition once the source or the rule is fixed.",
    subcommands = {QuarantineCommand.ListCommand.class, QuarantineCommand.ReplayCommand.class})
final class QuarantineCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing command: choose list or replay");
  }

  static TableDefinition table(Pipeline pipeline, String name) {
    Errors.check(
        pipeline.isTable(name),
        "Cannot find table '%s' in pipeline %s; its tables are %s.",
        name, pipeline.name(), pipeline.tablesInOrder().stream().map(TableDefinition::name).toList());
    return pipeline.table(name);
  }

  @Command(name = "list", description = "Quarantined rows per table, partition and rule, with a few samples.")
  static final class ListCommand implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PIPELINE", description = "A pipeline name or definition folder.")
    String pipeline;

    @Option(names = "--table", description = "Only this table.")
    String table;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "Only this partition.")
    String date;

    @Option(names = "--samples", defaultValue = "3", description = "Sample rows per table (default ${DEFAULT-VALUE}).")
    int samples;

    @Override
    public Integer call() {
      Pipeline p = common.validated(pipeline);
      Partition partition = date == null ? null : Dates.partition("--date", date);
      List<TableDefinition> tables = table == null ? p.tablesInOrder() : List.of(table(p, table));
      SparkSession spark = common.session("strata quarantine list " + p.name());
      Warehouse warehouse = Warehouse.at(common.warehouse());
      PrintWriter out = spec.commandLine().getOut();
      long total = 0;
      for (TableDefinition t : tables) {
        Optional<Dataset<Row>> rows = DeltaTables.read(spark, warehouse.quarantinePath(t.name()), t.partitionColumn(), partition);
        if (rows.isEmpty()) {
          continue;
        }
        List<Row> counts =
            rows.get()
                .select(col(t.partitionColumn()).cast("string").as("partition"), explode(col(Quarantine.FAILED_RULES)).as("rule"))
                .groupBy("partition", "rule")
                .count()
                .orderBy("partition", "rule")
                .collectAsList();
        long n = rows.get().count();
        if (n == 0) {
          continue;
        }
        total += n;
        out.printf(Locale.ROOT, "%s (%s): %,d quarantined rows%n", t.name(), warehouse.quarantinePath(t.name()), n);
        for (Row c : counts) {
          out.printf(Locale.ROOT, "  %-10s  %,8d  %s%n", c.getString(0), c.getLong(2), c.getString(1));
        }
        if (samples > 0) {
          out.println("  samples:");
          Dataset<Row> sample = rows.get().drop(Quarantine.RUN_ID, Quarantine.QUARANTINED_AT).limit(samples);
          String[] columns = sample.columns();
          for (Row r : sample.collectAsList()) {
            List<String> fields = new ArrayList<>();
            for (int i = 0; i < columns.length; i++) {
              fields.add(columns[i] + "=" + r.get(i));
            }
            String line = String.join(", ", fields);
            out.println("    " + dev.strata.jobs.Errors.printable(line.length() > 300 ? line.substring(0, 300) + "..." : line));
          }
        }
      }
      if (total == 0) {
        out.printf("No quarantined rows%s%s.%n", table == null ? "" : " in " + table, date == null ? "" : " for " + date);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "replay",
      description = {
        "Rebuild a table's partition from its inputs, then everything downstream: once the source or",
        "the rule is fixed, quarantined rows that now pass are published; the rest stay quarantined."
      })
  static final class ReplayCommand implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PIPELINE", description = "A pipeline name or definition folder.")
    String pipeline;

    @Option(names = "--table", required = true, description = "The table whose quarantine to replay.")
    String table;

    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "The partition to replay.")
    String date;

    @Override
    public Integer call() {
      Pipeline p = common.validated(pipeline);
      TableDefinition t = table(p, table);
      Partition partition = Dates.partition("--date", date);
      SparkSession spark = common.session("strata quarantine replay " + p.name());
      Warehouse warehouse = Warehouse.at(common.warehouse());
      PrintWriter out = spec.commandLine().getOut();

      long[] before = state(spark, warehouse, t, partition);
      out.printf(
          Locale.ROOT, "Before: %s %s holds %,d rows, its quarantine %,d.%n", t.name(), partition, before[0], before[1]);
      Set<String> tables = new LinkedHashSet<>(List.of(t.name()));
      tables.addAll(p.downstreamOf(t.name()));
      EngineContext ctx = common.context(spark, out);
      RunResult run = new PipelineRunner(ctx).run(p, new RunRequest(List.of(partition), Optional.empty(), tables, "replay"));
      TableBuildResult build =
          run.builds().stream().filter(b -> b.table().equals(t.name())).findFirst().orElseThrow();
      long[] after = state(spark, warehouse, t, partition);
      if (build.status() == BuildStatus.PUBLISHED) {
        long released = before[1] - after[1];
        out.printf(
            Locale.ROOT,
            "After: %s %s holds %,d rows, its quarantine %,d: %,d row(s) %s quarantine, %,d still fail."
                + " Rows in %,d = %,d published + %,d quarantined + %,d filtered.%n",
            t.name(), partition, after[0], after[1], Math.abs(released), released >= 0 ? "released from" : "added to",
            after[1], build.counts().in(), build.counts().published(), build.counts().quarantined(), build.counts().filtered());
      } else {
        out.printf("After: %s was not published (%s); its table and quarantine are as they were.%n", t.name(), build.status());
      }
      return run.exitCode();
    }

    /** [rows in the table's partition, rows in its quarantine's partition]. */
    private static long[] state(SparkSession spark, Warehouse warehouse, TableDefinition t, Partition partition) {
      long rows =
          DeltaTables.partition(spark, warehouse, t, partition).map(Dataset::count).orElse(0L);
      long quarantined =
          DeltaTables.read(spark, warehouse.quarantinePath(t.name()), t.partitionColumn(), partition).map(Dataset::count).orElse(0L);
      return new long[] {rows, quarantined};
    }
  }
}

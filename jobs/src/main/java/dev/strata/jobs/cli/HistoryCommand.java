package dev.strata.jobs.cli;

import static org.apache.spark.sql.functions.col;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.ledger.Ledger;
import java.io.PrintWriter;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "history", description = "The runs of a pipeline and their table builds, newest first.")
final class HistoryCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Option(names = "--table", paramLabel = "TABLE", description = "Only the runs that built this table, and only its builds.")
  String table;

  @Option(names = "--limit", paramLabel = "N", description = "How many runs (default ${DEFAULT-VALUE}).", defaultValue = "10")
  int limit;

  @Override
  public Integer call() {
    Errors.check(limit >= 1, "Cannot show history: --limit must be at least 1.");
    Pipeline p = common.validated(pipeline);
    String only = table == null ? null : p.select(List.of(table)).iterator().next();
    PrintWriter out = spec.commandLine().getOut();
    EngineContext ctx = common.context(common.session("strata history " + p.name()), out);
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    Dataset<Row> builds = ledger.read("builds").map(b -> b.where(col("pipeline").equalTo(p.name()))).orElse(null);
    Dataset<Row> runs = ledger.runs(p.name()).orElse(null);
    if (runs == null || builds == null) {
      out.printf("No run of %s is in the ledger of %s yet.%n", p.name(), ctx.warehouse().root());
      out.flush();
      return 0;
    }
    if (only != null) {
      builds = builds.where(col("table").equalTo(only));
      runs = runs.join(builds.select("run_id").distinct(), "run_id").orderBy(col("started_at").desc(), col("run_id").desc());
    }
    List<Row> shownRuns = runs.limit(limit).collectAsList();
    List<String> ids = shownRuns.stream().map(r -> r.<String>getAs("run_id")).toList();
    Map<String, List<Row>> buildsByRun =
        builds.where(col("run_id").isin(ids.toArray())).orderBy(col("recorded_at").desc(), col("attempt").desc()).collectAsList().stream()
            .collect(Collectors.groupingBy(r -> r.<String>getAs("run_id")));
    out.printf("Runs of %s%s, newest first (warehouse %s):%n", p.name(), only == null ? "" : " that built " + only, ctx.warehouse().root());
    for (Row run : shownRuns) {
      Timestamp started = run.getAs("started_at");
      Timestamp recorded = run.getAs("recorded_at");
      String status = run.getAs("status");
      List<String> parts = run.getList(run.fieldIndex("partitions"));
      String range = parts.isEmpty() ? "-" : parts.size() == 1 ? parts.get(0) : parts.get(0) + ".." + parts.get(parts.size() - 1);
      out.printf(
          Locale.ROOT, "%n%s  %-9s %s  trigger %s, %s, started %s, %s, by %s@%s%s%n",
          run.<String>getAs("run_id"), status,
          run.isNullAt(run.fieldIndex("exit_code")) ? "" : "(exit " + run.<Integer>getAs("exit_code") + ")",
          run.<String>getAs("trigger"), range, StatusCommand.TIME.format(started.toInstant()),
          status.equals("RUNNING")
              ? "no end recorded (still running, or killed)"
              : String.format(Locale.ROOT, "took %.1fs", Duration.between(started.toInstant(), recorded.toInstant()).toMillis() / 1000.0),
          run.getAs("user"), run.getAs("host"),
          run.isNullAt(run.fieldIndex("resumes")) ? "" : ", resumes " + run.getAs("resumes"));
      for (Row b : buildsByRun.getOrDefault(run.<String>getAs("run_id"), List.of())) {
        out.printf(
            Locale.ROOT, "    %s  %-6s  %-26s  %-9s  attempt %d  %12s  %7s  %6.1fs%s%n",
            b.<String>getAs("partition"), b.<String>getAs("layer"), b.<String>getAs("table"), b.<String>getAs("status"),
            b.<Integer>getAs("attempt"),
            b.isNullAt(b.fieldIndex("rows_published"))
                ? "-"
                : String.format(
                    Locale.ROOT, b.<String>getAs("status").equals("PUBLISHED") ? "%,d rows" : "%,d staged", b.<Long>getAs("rows_published")),
            b.isNullAt(b.fieldIndex("delta_version")) ? "-" : "v" + b.<Long>getAs("delta_version"),
            b.<Long>getAs("duration_ms") / 1000.0,
            b.<String>getAs("status").equals("PUBLISHED") ? "" : "  " + Errors.firstLine(b.getAs("message")));
      }
    }
    out.flush();
    return 0;
  }
}

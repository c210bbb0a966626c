package dev.strata.jobs.cli;

import static org.apache.spark.sql.functions.col;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.RunRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
    List<RunRecord> runs = ledger.runs(p.name());
    if (runs.isEmpty() || builds == null) {
      out.printf("No run of %s is in the ledger of %s yet.%n", p.name(), ctx.warehouse().root());
      out.flush();
      return 0;
    }
    if (only != null) {
      builds = builds.where(col("table").equalTo(only));
      Set<String> built = builds.select("run_id").distinct().collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
      runs = runs.stream().filter(r -> built.contains(r.runId())).toList();
    }
    List<RunRecord> shownRuns = runs.subList(0, Math.min(limit, runs.size()));
    List<String> ids = shownRuns.stream().map(RunRecord::runId).toList();
    Map<String, List<Row>> buildsByRun =
        builds.where(col("run_id").isin(ids.toArray())).orderBy(col("recorded_at").desc(), col("attempt").desc()).collectAsList().stream()
            .collect(Collectors.groupingBy(r -> r.<String>getAs("run_id")));
    out.printf("Runs of %s%s, newest first (warehouse %s):%n", p.name(), only == null ? "" : " that built " + only, ctx.warehouse().root());
    for (RunRecord run : shownRuns) {
      List<Partition> parts = run.scope().partitions();
      String range = parts.isEmpty() ? "-" : parts.size() == 1 ? parts.get(0).toString() : parts.get(0) + ".." + parts.get(parts.size() - 1);
      out.printf(
          Locale.ROOT, "%n%s  %-9s %s  trigger %s, %s, started %s, %s, by %s@%s%s%n",
          run.runId(), run.status(), run.exitCode().isEmpty() ? "" : "(exit " + run.exitCode().getAsInt() + ")",
          run.scope().trigger(), range, StatusCommand.TIME.format(run.startedAt()),
          run.running()
              ? "no end recorded (still running, or killed)"
              : String.format(Locale.ROOT, "took %.1fs", Duration.between(run.startedAt(), run.recordedAt()).toMillis() / 1000.0),
          run.origin().user(), run.origin().host(), run.scope().resumes().map(id -> ", resumes " + id).orElse(""));
      for (Row b : buildsByRun.getOrDefault(run.runId(), List.of())) {
        out.printf(
            Locale.ROOT, "    %s  %-6s  %-26s  %-9s  attempt %d  %12s  %7s  %6.1fs%s%n",
            b.<String>getAs("partition"), b.<String>getAs("layer"), b.<String>getAs("table"), b.<String>getAs("status"),
            b.<Integer>getAs("attempt"),
            b.isNullAt(b.fieldIndex("rows_published"))
                ? "-"
                : String.format(
                    Locale.ROOT, BuildStatus.PUBLISHED.name().equals(b.<String>getAs("status")) ? "%,d rows" : "%,d staged", b.<Long>getAs("rows_published")),
            b.isNullAt(b.fieldIndex("delta_version")) ? "-" : "v" + b.<Long>getAs("delta_version"),
            b.<Long>getAs("duration_ms") / 1000.0,
            BuildStatus.PUBLISHED.name().equals(b.<String>getAs("status")) ? "" : "  " + Errors.firstLine(b.getAs("message")));
      }
    }
    out.flush();
    return 0;
  }
}

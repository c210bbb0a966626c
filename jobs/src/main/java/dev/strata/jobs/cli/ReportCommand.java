package dev.strata.jobs.cli;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineDefinition;
import dev.strata.jobs.definition.SourceDefinition;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Quarantine;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.report.HtmlReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "report",
    description = {
      "A run's quality report: the JSON report as the run wrote it, or with --html one self-contained page (the pipeline graph"
          + " coloured by outcome, rules and results, counts, quarantine reasons with samples, durations, row-count trends)."
    })
final class ReportCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "RUN_ID", description = "The run, as `strata history` lists it.")
  String runId;

  @Option(names = "--html", paramLabel = "FILE", description = "Write the HTML page to FILE instead of printing the JSON report.")
  Path html;

  @Option(names = "--pipeline", paramLabel = "PIPELINE", description = "The run's pipeline definition, for the graph's edges: a name under <conf-dir>/pipelines or a folder (default: the name in the report).")
  String definition;

  @Option(names = "--trend", paramLabel = "N", description = "Recent partitions in each table's row-count trend (default ${DEFAULT-VALUE}).", defaultValue = "30")
  int trend;

  @Option(names = "--samples", paramLabel = "N", description = "Quarantined rows shown per table partition (default ${DEFAULT-VALUE}).", defaultValue = "5")
  int samples;

  @Override
  public Integer call() throws IOException {
    Errors.check(runId.matches("[0-9A-Za-z_-]+"), "Cannot report on run '%s': a run id looks like 20240101T060000Z-1a2b3c (see `strata history`).", runId);
    Errors.check(trend >= 1 && samples >= 0, "Cannot report: --trend must be at least 1 and --samples at least 0.");
    PrintWriter out = spec.commandLine().getOut();
    EngineContext ctx = common.context(common.session("strata report " + runId), out);
    String path = ctx.warehouse().reportDir(runId) + "/quality.json";
    String json =
        ctx.files().readText(path).orElseThrow(() -> new StrataException.InvalidException(String.format(
            "Cannot report on run %s: there is no report at %s. Check the run id with `strata history <pipeline> --warehouse %s`,"
                + " and that --warehouse is the run's.", runId, path, ctx.warehouse().root()), null));
    if (html == null) {
      out.print(json);
      out.flush();
      return 0;
    }
    JsonNode report = new ObjectMapper().readTree(json);
    String pipelineName = report.path("pipeline").asText();
    Pipeline pipeline = definition(definition != null ? definition : pipelineName, out);
    List<HtmlReport.Node> graph = new ArrayList<>();
    if (pipeline != null) {
      PipelineDefinition def = pipeline.definition();
      for (SourceDefinition s : def.sources()) {
        graph.add(new HtmlReport.Node(s.name(), "source", List.of()));
      }
      for (TableDefinition t : pipeline.tablesInOrder()) {
        graph.add(new HtmlReport.Node(t.name(), t.layer().key(), t.inputs()));
      }
    }
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    Map<String, SortedMap<Partition, Long>> trends = new HashMap<>();
    Map<String, List<HtmlReport.Sample>> quarantined = new HashMap<>();
    for (JsonNode t : report.path("tables")) {
      String table = t.path("table").asText();
      Partition partition = Partition.parse(t.path("partition").asText());
      trends.computeIfAbsent(table, x -> last(ledger.acceptedRowCounts(pipelineName, table, null), trend));
      if (t.path("counts").path("quarantined").asLong() > 0 && samples > 0) {
        quarantined.put(table + " " + partition, samples(ctx, pipeline, table, partition));
      }
    }
    String page = HtmlReport.render(report, graph, trends, quarantined);
    Path parent = html.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(html, page, StandardCharsets.UTF_8);
    out.printf("Wrote the report of run %s (%s, %s) to %s%n", runId, pipelineName, report.path("status").asText(), html.toAbsolutePath());
    out.flush();
    return 0;
  }

  /** The pipeline's definition for the graph; without it the page shows the run's tables alone. */
  private Pipeline definition(String name, PrintWriter out) {
    try {
      return common.validated(name);
    } catch (StrataException e) {
      out.printf("Note: the definition of %s is not readable here (%s); the graph shows the run's tables without their edges.%n",
          name, Errors.firstLine(e.getMessage()));
      return null;
    }
  }

  private static SortedMap<Partition, Long> last(SortedMap<Partition, Long> all, int n) {
    TreeMap<Partition, Long> recent = new TreeMap<>();
    all.entrySet().stream().skip(Math.max(0, all.size() - n)).forEach(e -> recent.put(e.getKey(), e.getValue()));
    return recent;
  }

  /** Some of the rows the run quarantined for a table partition, with their reasons. */
  private List<HtmlReport.Sample> samples(EngineContext ctx, Pipeline pipeline, String table, Partition partition) {
    String partitionColumn = pipeline != null && pipeline.isTable(table) ? pipeline.table(table).partitionColumn() : dev.strata.jobs.definition.Keys.PARTITION_COLUMN_DEFAULT;
    var rows = DeltaTables.read(ctx.spark(), ctx.warehouse().quarantinePath(table), partitionColumn, partition);
    if (rows.isEmpty()) {
      return List.of();
    }
    Dataset<Row> mine = rows.get().where(col(Quarantine.RUN_ID).equalTo(runId));
    List<String> data =
        java.util.Arrays.stream(mine.columns())
            .filter(c -> !c.startsWith("_strata_") && !c.equals(Quarantine.SOURCE_FILE) && !c.equals(partitionColumn))
            .toList();
    List<HtmlReport.Sample> out = new ArrayList<>();
    for (Row r : mine.limit(samples).collectAsList()) {
      String raw = r.getAs(Quarantine.RAW_LINE);
      String row;
      if (raw != null) {
        row = raw;
      } else {
        List<String> cells = new ArrayList<>();
        for (String c : data) {
          Object v = r.getAs(c);
          cells.add(c + "=" + (v == null ? "null" : v));
        }
        row = String.join(", ", cells);
      }
      out.add(new HtmlReport.Sample(r.getList(r.fieldIndex(Quarantine.FAILED_RULES)), row));
    }
    return out;
  }
}

package dev.strata.jobs.engine;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.SourceReader;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.report.QualityReport;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Runs a pipeline over a range of partitions: tables in dependency order, each gated before it is
 * published; a table that does not publish keeps everything downstream of it from building.
 *
 * <p>Before anything is built, every landing file the run needs is checked (present, header as
 * declared), so that bad input fails the run with exit 2 and leaves every table as it was.
 */
public final class PipelineRunner {
  private static final DateTimeFormatter RUN_ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final EngineContext ctx;

  public PipelineRunner(EngineContext ctx) {
    this.ctx = ctx;
  }

  /** A new run id: sortable by start time, unique across concurrent runs. */
  public static String newRunId(Instant start) {
    byte[] suffix = new byte[3];
    RANDOM.nextBytes(suffix);
    return RUN_ID_TIME.format(start) + "-" + HexFormat.of().formatHex(suffix);
  }

  /**
   * Runs the request. Never throws for a failing table: each outcome is in the result. Throws the
   * exit-2 error, before writing anything, if the run's input is missing or malformed.
   */
  public RunResult run(Pipeline pipeline, RunRequest request) {
    List<LocalDate> partitions = request.partitions();
    Errors.check(
        !partitions.isEmpty(),
        "Cannot run %s: --from %s is after --to %s. Swap them.",
        pipeline.name(), request.from(), request.to());
    Errors.check(
        partitions.size() <= RunRequest.MAX_PARTITIONS,
        "Cannot run %s over %d partitions: one run covers at most %d. Split the range.",
        pipeline.name(), partitions.size(), RunRequest.MAX_PARTITIONS);
    List<TableDefinition> tables =
        pipeline.tablesInOrder().stream()
            .filter(t -> request.includes(t.name(), t.layer()))
            .toList();
    SourceReader sources = new SourceReader(ctx.warehouse(), ctx.files());
    preflight(sources, pipeline, tables, partitions);

    Instant start = ctx.clock().instant();
    String runId = newRunId(start);
    RunPrinter printer = new RunPrinter(ctx.out());
    printer.start(runId, pipeline.name(), partitions, request, ctx.warehouse().root());
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    ledger.runStarted(runId, pipeline.name(), request.trigger(), partitions, start);
    TableBuilder builder = new TableBuilder(ctx, pipeline, runId, start, sources, ledger);
    Set<String> planned = new HashSet<>();
    tables.forEach(t -> planned.add(t.name()));

    List<TableBuildResult> builds = new ArrayList<>();
    for (LocalDate partition : partitions) {
      Set<String> unpublished = new HashSet<>();
      for (TableDefinition table : tables) {
        String blocker = table.inputs().stream().filter(unpublished::contains).findFirst().orElse(null);
        TableBuildResult result;
        if (blocker != null) {
          result =
              new TableBuildResult(
                  table.name(), table.layer(), partition, BuildStatus.SKIPPED, RowCounts.NONE, -1,
                  java.time.Duration.ZERO, new dev.strata.quality.GateResult(List.of()),
                  "not built: upstream '" + blocker + "' did not publish " + partition);
        } else {
          result = builder.build(table, partition);
        }
        if (result.status() != BuildStatus.PUBLISHED) {
          unpublished.add(table.name());
        }
        ledger.buildFinished(runId, pipeline.name(), result, 1, ctx.clock().instant());
        builds.add(result);
        printer.build(result);
      }
    }
    if (builds.stream().noneMatch(b -> b.status() == BuildStatus.BLOCKED)) {
      ctx.files().delete(ctx.warehouse().stagingRoot(runId));
    }
    Instant end = ctx.clock().instant();
    String reportDir = ctx.warehouse().reportDir(runId);
    RunResult partial = new RunResult(runId, pipeline.name(), partitions, start, end, builds, reportDir + "/quality.json");
    ctx.files().writeText(partial.reportPath(), QualityReport.json(partial));
    ledger.runEnded(partial, request.trigger(), ctx.clock().instant());
    printer.finish(partial);
    return partial;
  }

  private void preflight(SourceReader reader, Pipeline pipeline, List<TableDefinition> tables, List<LocalDate> partitions) {
    Set<String> needed = new java.util.LinkedHashSet<>();
    for (TableDefinition t : tables) {
      t.inputs().stream().filter(i -> pipeline.definition().source(i).isPresent()).forEach(needed::add);
    }
    for (LocalDate partition : partitions) {
      for (String source : needed) {
        reader.check(pipeline.definition().source(source).orElseThrow(), partition);
      }
    }
  }
}

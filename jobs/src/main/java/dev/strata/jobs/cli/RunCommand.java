package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Layer;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.engine.RunRequest;
import dev.strata.jobs.engine.Sessions;
import dev.strata.jobs.io.Warehouse;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    description = "Build a pipeline's tables for one date or a range, gating each before it is published.")
final class RunCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The partition to build.")
  String date;

  @Option(names = "--from", paramLabel = "YYYY-MM-DD", description = "First partition of a range (with --to).")
  String from;

  @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "Last partition of a range, inclusive.")
  String to;

  @Option(names = "--layer", paramLabel = "LAYER", description = "Build only this layer: bronze, silver or gold.")
  String layer;

  @Override
  public Integer call() {
    RunRequest request = request();
    Pipeline p = PipelineValidator.validateOrThrow(common.pipelineFile(pipeline), pipeline);
    EngineContext ctx =
        new EngineContext(
            Sessions.create("strata run " + p.name()),
            Warehouse.at(common.warehouse()),
            Clock.systemUTC(),
            spec.commandLine().getOut());
    return new PipelineRunner(ctx).run(p, request).exitCode();
  }

  RunRequest request() {
    Errors.check(
        (date != null) != (from != null || to != null),
        "Cannot run %s: give either --date D, or --from D1 --to D2.", pipeline);
    LocalDate first = date != null ? Dates.parse("--date", date) : null;
    if (first == null) {
      Errors.check(from != null && to != null, "Cannot run %s: --from and --to go together.", pipeline);
    }
    LocalDate start = first != null ? first : Dates.parse("--from", from);
    LocalDate end = first != null ? first : Dates.parse("--to", to);
    Optional<Layer> only = Optional.empty();
    if (layer != null) {
      Layer parsed = Layer.parse(layer);
      Errors.check(parsed != null, "Cannot run %s: unknown --layer '%s'; use bronze, silver or gold.", pipeline, layer);
      only = Optional.of(parsed);
    }
    return new RunRequest(start, end, only);
  }
}

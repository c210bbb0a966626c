package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.definition.TableDefinition;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "validate", description = "Check a pipeline definition and report every problem at once.")
final class ValidateCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Override
  public Integer call() {
    Path file = common.pipelineFile(pipeline);
    PipelineValidator.Result result = PipelineValidator.validate(file);
    if (!result.ok()) {
      throw Errors.invalidDefinition(pipeline, result.problems(), common.validateArgs(pipeline));
    }
    Pipeline p = result.pipeline();
    var out = spec.commandLine().getOut();
    out.printf("Pipeline %s is valid (%s): %d sources, %d tables%n", p.name(), file, p.definition().sources().size(), p.tablesInOrder().size());
    for (TableDefinition t : p.tablesInOrder()) {
      out.printf(
          "  %-6s  %-26s  <- %-40s  %d rules%n",
          t.layer().key(), t.name(), String.join(", ", t.inputs()), p.rules(t.name()).size());
    }
    return ExitCodes.OK;
  }
}

package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Lineage;
import dev.strata.jobs.definition.Pipeline;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "lineage",
    description = "Print a pipeline's graph, or what a table reads and what reads it (its impact), as text, Mermaid or DOT.")
final class LineageCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Option(names = "--table", paramLabel = "TABLE", description = "Show this table and its neighbourhood only.")
  String table;

  @Option(names = "--upstream", description = "With --table: what it reads, down to the sources.")
  boolean upstream;

  @Option(names = "--downstream", description = "With --table: what reads it, i.e. its impact.")
  boolean downstream;

  @Option(names = "--format", paramLabel = "FORMAT", description = "text (default), mermaid or dot.")
  String format = "text";

  @Override
  public Integer call() {
    Errors.check(List.of("text", "mermaid", "dot").contains(format), "Cannot print lineage as '%s': use text, mermaid or dot.", format);
    Errors.check(table != null || (!upstream && !downstream), "Cannot print lineage: --upstream and --downstream go with --table T.");
    Pipeline p = common.validated(pipeline);
    Lineage lineage;
    if (table == null) {
      lineage = Lineage.of(p);
    } else {
      String name = p.select(List.of(table)).iterator().next();
      boolean both = !upstream && !downstream;
      lineage = Lineage.around(p, name, upstream || both, downstream || both);
    }
    PrintWriter out = spec.commandLine().getOut();
    switch (format) {
      case "mermaid" -> out.print(lineage.mermaid());
      case "dot" -> out.print(lineage.dot());
      default -> {
        out.print(lineage.text());
        if (table != null && (downstream || !upstream)) {
          out.print(lineage.impact(table));
        }
      }
    }
    out.flush();
    return 0;
  }
}

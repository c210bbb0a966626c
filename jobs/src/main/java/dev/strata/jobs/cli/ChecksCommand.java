package dev.strata.jobs.cli;

import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.SourceReader;
import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleSuggestions;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "checks", description = "Work on a table's rules.", subcommands = {ChecksCommand.Suggest.class})
final class ChecksCommand {
  @Command(
      name = "suggest",
      description = {
        "Profile a published table partition with Deequ's constraint suggestion and print candidate rules as DQDL, grouped"
            + " as they would go under tables.<T>.rules: review them, then paste what you mean."
      })
  static final class Suggest implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
    String pipeline;

    @Option(names = "--table", paramLabel = "TABLE", required = true, description = "The table to profile.")
    String table;

    @Option(names = "--date", paramLabel = "DATE", required = true, description = "The published partition to profile (yyyy-MM-dd).")
    String date;

    @Override
    public Integer call() {
      Pipeline p = common.validated(pipeline);
      String name = p.select(List.of(table)).iterator().next();
      TableDefinition t = p.table(name);
      Partition day = Dates.partition("--date", date);
      PrintWriter out = spec.commandLine().getOut();
      EngineContext ctx = common.context(common.session("strata checks suggest " + name), out);
      Dataset<Row> rows =
          DeltaTables.partition(ctx.spark(), ctx.warehouse(), t, day)
              .orElseThrow(() -> new StrataException.InvalidException(String.format(
                  "Cannot suggest checks for %s: the table has never been published (at %s). Build it first: strata run %s --date %s",
                  name, ctx.warehouse().tablePath(t.layer(), name), pipeline, day), null));
      long count = rows.count();
      Errors.check(count > 0, "Cannot suggest checks for %s %s: the partition has no rows. Pick a date it was published for (strata status %s).",
          name, day, pipeline);
      List<RuleSuggestions.Suggestion> suggestions =
          RuleSuggestions.suggest(rows, List.of(t.partitionColumn(), SourceReader.SOURCE_FILE, SourceReader.INGESTED_AT));
      out.printf("# Rules Deequ suggests for %s from partition %s (%,d rows). They describe this day's data: keep what is a%n", name, day, count);
      out.printf("# real expectation, drop what is coincidence, then paste under tables.%s.rules (%s).%n", name, t.where());
      if (suggestions.isEmpty()) {
        out.println("# Deequ has nothing to suggest for this data.");
      }
      out.println("rules:");
      for (RuleGroup group : List.of(RuleGroup.ERROR, RuleGroup.WARN)) {
        List<RuleSuggestions.Suggestion> in = suggestions.stream().filter(s -> s.group() == group).toList();
        if (in.isEmpty()) {
          continue;
        }
        out.printf("  %s:%n", group.key());
        for (RuleSuggestions.Suggestion s : in) {
          out.printf("    - %s%n", yamlQuote(s.rule()));
          out.printf("      # %s%n", s.why().replace('\n', ' '));
        }
      }
      out.flush();
      return 0;
    }

    /** A rule as a YAML list item: single-quoted (DQDL uses double quotes), quotes doubled. */
    private static String yamlQuote(String rule) {
      return "'" + rule.replace("'", "''") + "'";
    }
  }
}

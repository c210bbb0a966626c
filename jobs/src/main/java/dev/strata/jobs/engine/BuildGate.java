package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.col;

import dev.strata.api.Partition;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.InputResolver.Inputs;
import dev.strata.jobs.engine.SplitWriter.Split;
import dev.strata.jobs.engine.SplitWriter.Written;
import dev.strata.jobs.io.Quarantine;
import dev.strata.jobs.run.RowCounts;
import dev.strata.quality.CompiledRule;
import dev.strata.quality.GateResult;
import dev.strata.quality.QualityGate;
import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleResult;
import dev.strata.quality.RuleSpec;
import dev.strata.quality.RuleWords;
import dev.strata.quality.Samples;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Phase 3 of a build: the gate over the rows a build would publish, every rule and check reported
 * in causal order, and the words for a gate that blocked.
 */
final class BuildGate {
  private final RunScope run;

  BuildGate(RunScope run) {
    this.run = run;
  }

  /**
   * The gate, in order of precedence, so that the first failure is the cause: what was
   * read (freshness, drift), then what the split rejected, then the table's own rules, then its
   * volume. The staging pass counted the rows, their nulls and distinct keys: a unique key needs no
   * second look.
   */
  GateResult check(TableDefinition table, Partition partition, Inputs inputs, Written written) {
    Split split = written.split();
    RowCounts counts = written.counts();
    GateResult checked =
        QualityGate.evaluate(split.good().rows(), run.rules(table, false), inputs.rows(), SplitWriter.known(split), run.ctx().invocation().samples());
    List<RuleResult> ordered = new ArrayList<>(inputs.contracts().results());
    if (written.quarantines()) {
      ordered.add(quarantineRatio(table, counts, split, written.rowRules()));
    }
    boolean noEvents = onlyLate(table, counts) || counts.in() == 0 && table.inputs().stream().anyMatch(i -> run.noEventsInRun().stream()
        .anyMatch(u -> u.table().equals(i) && u.partition().overlaps(partition)));
    ordered.addAll(explainEmpty(checked.results(), table, counts, noEvents));
    dev.strata.api.CheckInput published = run.checkInput(table, partition, split.good().rows(), counts.published(), inputs.rows());
    List<CheckRunner.Use> gating = CheckRunner.gating(written.checks());
    if (!gating.isEmpty()) {
      ordered.addAll(explainEmpty(CheckRunner.evaluate(gating, published, table.key(), run.ctx().invocation().samples()), table, counts,
          noEvents));
    }
    if (table.volume() != null) {
      ordered.addAll(CheckRunner.evaluate(CheckRunner.uses(List.of(table.volume().asCheck())), published, table.key(), 0));
    }
    return new GateResult(ordered);
  }

  /**
   * A flood of rejected rows is an incident: above the table's ratio, the gate fails. Its failure
   * shows rows rejected by the rule that rejected the most (the message names it first).
   */
  private RuleResult quarantineRatio(TableDefinition table, RowCounts counts, Split split, List<CompiledRule> rowRules) {
    // Rows that landed beyond the lookback are quarantined by the table's lateness policy, not
    // for their quality: they count in neither side of the ratio (a sparse day whose only row came
    // a week late is not a flood of bad rows).
    long late = late(table, counts);
    long in = counts.in() - late;
    long quarantined = counts.quarantined() - late;
    double ratio = in <= 0 ? 0 : (double) quarantined / in;
    boolean passed = ratio <= table.maxQuarantineRatio();
    String byRule = counts.quarantinedByRule().entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(e -> e.getKey() + " rejected " + String.format(Locale.ROOT, "%,d", e.getValue()))
        .collect(java.util.stream.Collectors.joining(", "));
    String message =
        String.format(Locale.ROOT, "%,d of %,d rows (%s) were quarantined", quarantined, in, RuleWords.percent(ratio))
            + (late > 0 ? String.format(Locale.ROOT, ", besides %,d that landed beyond the lookback", late) : "")
            + (passed ? "" : " (expected at most " + RuleWords.percent(table.maxQuarantineRatio()) + ": max_quarantine_ratio "
                + table.maxQuarantineRatio() + ")")
            + (byRule.isEmpty() ? "" : ": " + byRule);
    RuleSpec spec =
        new RuleSpec(
            "QuarantineRatio <= " + table.maxQuarantineRatio(), RuleGroup.ERROR,
            table.where() + " tables." + table.name() + ".max_quarantine_ratio");
    Map<String, Double> observed = new TreeMap<>();
    observed.put("Table.QuarantinedRows", (double) quarantined);
    observed.put("Table.QuarantineRatio", ratio);
    RuleResult result = new RuleResult(spec, passed, false, message, observed);
    if (passed || split.bad() == null || run.ctx().invocation().samples() == 0) {
      return result;
    }
    String worst = counts.quarantinedByRule().entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    if (worst == null) {
      return result;
    }
    Dataset<Row> rejected = split.bad().where(org.apache.spark.sql.functions.array_contains(col(Quarantine.FAILED_RULES), worst));
    List<String> columns = java.util.Arrays.asList(rejected.columns());
    if (worst.startsWith("malformed:")) {
      // A line that could not be read has no columns to show: the line itself is the evidence.
      return result.withSamples(Samples.take(rejected, List.of(Quarantine.RAW_LINE), run.ctx().invocation().samples()).stream()
          .map(line -> "line " + line.substring(Quarantine.RAW_LINE.length() + 1)).toList());
    }
    List<String> shown = rowRules.stream().filter(r -> r.spec().text().equals(worst)).findFirst()
        .map(r -> Samples.columns(r, table.key(), columns))
        .orElse(Samples.columns(null, table.key(), columns));
    return result.withSamples(Samples.take(rejected, shown, run.ctx().invocation().samples()));
  }

  /**
   * The table's own rules, with the reason there was nothing to check when no row is left to
   * publish: a rule that could not be evaluated says so, and a rule that failed on no rows says
   * where the rows went.
   */
  private static List<RuleResult> explainEmpty(List<RuleResult> results, TableDefinition table, RowCounts counts, boolean noEvents) {
    if (counts.published() != 0) {
      return results;
    }
    String why = whyEmpty(table, counts);
    // A table that allows an empty partition (an hour without tickets) and got no rows at all has
    // nothing its rules could find wrong: they hold, vacuously. Rows that came in and were all
    // quarantined or filtered are another matter: the rules stay unevaluated, and say why.
    boolean allowedEmpty = counts.in() == 0 && table.rules().stream().noneMatch(r -> r.text().equals(dev.strata.quality.Rules.NOT_EMPTY));
    // An event partition whose only rows landed beyond the lookback (built to quarantine them: the
    // oldest partition whose window reads their landing) had no events: empty is its true content,
    // and so it is of what reads only it.
    if (noEvents) {
      long late = late(table, counts);
      String none = late > 0
          ? String.format(Locale.ROOT, "no rows to check: the partition had no events; the %,d row%s that came in landed beyond"
              + " the lookback and %s quarantined (%s)", late, late == 1 ? "" : "s", late == 1 ? "was" : "were", table.eventTime().lateReason())
          : "no rows to check: its input had no events for this partition (the only rows that came in for it landed beyond the"
              + " lookback and were quarantined)";
      return results.stream().map(r -> r.outcome() == RuleResult.Outcome.NOT_EVALUATED
          || (r.outcome() == RuleResult.Outcome.FAILED && r.spec().text().equals(dev.strata.quality.Rules.NOT_EMPTY))
          ? new RuleResult(r.spec(), RuleResult.Outcome.PASSED, none, r.observed(), r.samples()) : r).toList();
    }
    return results.stream().map(r -> switch (r.outcome()) {
      case NOT_EVALUATED -> allowedEmpty
          ? new RuleResult(r.spec(), RuleResult.Outcome.PASSED, "no rows to check (" + why + "; the table allows an empty partition)",
              r.observed(), r.samples())
          : r.withMessage("not evaluated: no rows to check, " + why);
      case FAILED -> r.withMessage(r.message() + "; " + why);
      default -> r;
    }).toList();
  }

  /** Whether a build's only rows landed beyond its table's lookback (and were quarantined): the partition had no events. */
  static boolean onlyLate(TableDefinition table, RowCounts counts) {
    long late = late(table, counts);
    return late > 0 && late == counts.in();
  }

  /** Rows of the build quarantined for landing beyond its table's lookback (none for a table not partitioned by event time). */
  private static long late(TableDefinition table, RowCounts counts) {
    return table.eventTime() == null ? 0 : counts.quarantinedByRule().getOrDefault(table.eventTime().lateReason(), 0L);
  }

  /** Where the rows of a build that has none to publish went, in words. */
  static String whyEmpty(TableDefinition table, RowCounts counts) {
    if (counts.in() == 0) {
      return table.rowsFrom().equals(TableDefinition.AGGREGATE) ? "the transform produced no rows" : "no rows came in from " + table.rowsFrom();
    }
    if (counts.quarantined() == counts.in()) {
      return String.format(Locale.ROOT, "all %,d rows were quarantined", counts.in());
    }
    if (counts.filtered() == counts.in()) {
      return String.format(Locale.ROOT, "all %,d rows were filtered out (%s)", counts.in(), counts.filteredReason());
    }
    return String.format(Locale.ROOT, "of %,d rows, %,d were quarantined and %,d filtered out", counts.in(), counts.quarantined(),
        counts.filtered());
  }

  /** The start of a blocked build's message: the rule that decided, in words. */
  static String blockedBy(GateResult gate) {
    return gate.cause()
        .map(r -> "blocked by " + r.spec().text() + ": " + r.message())
        .orElseGet(() -> "blocked: " + gate.notEvaluated().size() + " rule(s) could not be evaluated ("
            + gate.notEvaluated().stream().map(RuleResult::message).findFirst().orElse("no rows to check") + ")");
  }
}

package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import dev.strata.api.Check;
import dev.strata.api.CheckInput;
import dev.strata.api.CheckResult;
import dev.strata.api.Options;
import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.CheckSpec;
import dev.strata.jobs.extension.Extensions;
import dev.strata.quality.RowLevelRules;
import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleResult;
import dev.strata.quality.RuleSpec;
import dev.strata.quality.RuleWords;
import dev.strata.quality.Samples;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Supplier;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Runs the checks a table uses ({@code checks:}): row-level ones at level quarantine add their
 * verdicts to the rows' failed rules as the split stages them; the others give the gate a result
 * each, in the same terms as a DQDL rule's (text, level, outcome in words, observed values, sample
 * rows), so that reports, the ledger and alerts show them alike.
 */
final class CheckRunner {
  private CheckRunner() {}

  /** A check a table uses, resolved: the check, its options, and the text it is reported by. */
  record Use(CheckSpec spec, Check check, Options options, String text) {}

  /** The checks of a table, resolved (validation already rejected unknown ones). */
  static List<Use> uses(List<CheckSpec> specs) {
    List<Use> uses = new ArrayList<>();
    for (CheckSpec s : specs) {
      Check check = Extensions.CHECKS.get(s.check());
      Options options = Options.of(s.options(), s.where() + ".options");
      uses.add(new Use(s, check, options, check.describe(options)));
    }
    return uses;
  }

  /** The row-level checks whose failing rows are quarantined. */
  static List<Use> quarantining(List<Use> uses) {
    return uses.stream().filter(u -> u.spec().level() == RuleGroup.QUARANTINE).toList();
  }

  /** The checks that give the gate a verdict (levels error and warn). */
  static List<Use> gating(List<Use> uses) {
    return uses.stream().filter(u -> u.spec().level() != RuleGroup.QUARANTINE).toList();
  }

  /** Adds to each row's failed rules (as {@link RowLevelRules#withFailures} made them) the quarantining checks it fails. */
  static Dataset<Row> withFailures(Dataset<Row> evaluated, List<Use> quarantining, CheckInput input) {
    if (quarantining.isEmpty()) {
      return evaluated;
    }
    List<Column> conditions = new ArrayList<>();
    List<Column> texts = new ArrayList<>();
    for (Use u : quarantining) {
      conditions.add(u.check().failing(input, u.options()));
      texts.add(lit(u.text()));
    }
    return evaluated.withColumn(RowLevelRules.FAILED_RULES,
        concat(col(RowLevelRules.FAILED_RULES), RowLevelRules.failures(conditions, texts)));
  }

  /** The gate's results of the gating checks, on the rows the build would publish. */
  static List<RuleResult> evaluate(List<Use> gating, CheckInput input, List<String> key, int samples) {
    List<RuleResult> results = new ArrayList<>();
    for (Use u : gating) {
      RuleSpec spec = new RuleSpec(u.check().describe(u.options(), input.partition()), u.spec().level(), u.spec().where());
      try {
        CheckResult r = u.check().scope() == Check.Scope.ROW ? rowVerdict(u, input, key, samples) : u.check().evaluate(input, u.options());
        RuleResult.Outcome outcome = switch (r.outcome()) {
          case PASSED -> RuleResult.Outcome.PASSED;
          case FAILED -> RuleResult.Outcome.FAILED;
          case NOT_EVALUATED -> RuleResult.Outcome.NOT_EVALUATED;
        };
        results.add(new RuleResult(spec, outcome, r.words(), r.observed(), r.samples()));
      } catch (RuntimeException e) {
        // A check that cannot run on this data verifies nothing: it blocks, as a DQDL rule that cannot be evaluated does.
        results.add(new RuleResult(spec, RuleResult.Outcome.ERROR, "could not be evaluated: " + Errors.rootMessage(e),
            Map.of(), List.of()));
      }
    }
    return results;
  }

  /** A row-level check at level error or warn: it fails if any row the build would publish fails it. */
  private static CheckResult rowVerdict(Use u, CheckInput input, List<String> key, int samples) {
    Column failing = coalesce(u.check().failing(input, u.options()), lit(false));
    // One pass counts both.
    Row counts = input.rows().agg(org.apache.spark.sql.functions.count(lit(1)), org.apache.spark.sql.functions.count_if(failing)).head();
    long total = counts.getLong(0);
    long bad = counts.getLong(1);
    Dataset<Row> failed = input.rows().where(failing);
    Map<String, Double> observed = Map.of("Check.FailingRows", (double) bad);
    if (bad == 0) {
      return CheckResult.passed(String.format(Locale.ROOT, "all %,d rows pass it", total), observed);
    }
    String words = String.format(Locale.ROOT, "%,d of %,d rows (%s) fail it (expected none)", bad, total,
        RuleWords.percent(total == 0 ? 0 : (double) bad / total));
    List<String> columns = java.util.Arrays.asList(failed.columns());
    return CheckResult.failed(words, observed).withSamples(samples == 0 ? List.of()
        : Samples.take(failed, Samples.columns(null, key, columns), samples));
  }

  /** What a check sees of a build. */
  static CheckInput input(
      String table, Partition partition, Dataset<Row> rows, long rowCount, Map<String, Dataset<Row>> inputs,
      Supplier<SortedMap<Partition, Long>> published) {
    return new CheckInput() {
      @Override
      public String table() {
        return table;
      }

      @Override
      public Partition partition() {
        return partition;
      }

      @Override
      public Dataset<Row> rows() {
        return rows;
      }

      @Override
      public long rowCount() {
        return rowCount;
      }

      @Override
      public Optional<Dataset<Row>> input(String name) {
        return Optional.ofNullable(inputs.get(name));
      }

      @Override
      public SortedMap<Partition, Long> publishedRows() {
        return published.get();
      }
    };
  }
}

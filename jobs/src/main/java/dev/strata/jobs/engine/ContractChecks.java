package dev.strata.jobs.engine;

import dev.strata.api.Check;
import dev.strata.api.CheckInput;
import dev.strata.api.CheckResult;
import dev.strata.api.Options;
import dev.strata.api.Partition;
import dev.strata.jobs.definition.CheckSpec;
import dev.strata.jobs.definition.DriftPolicy;
import dev.strata.jobs.io.SchemaDrift;
import dev.strata.quality.RuleGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Strata's own contracts as {@link Check}s, so that they are reported, ordered and recorded exactly
 * as the table's rules and a user's checks are (through {@link CheckRunner}): the freshness of an
 * input, the schema drift of a source, and the invariants of an SCD2 history. Each is made from
 * what the engine observed (a landing folder's newest file, the columns of a source's files, one
 * pass over a history), which the check words into a verdict.
 */
final class ContractChecks {
  private ContractChecks() {}

  /** The freshness of one input against one of its limits (error_after or warn_after). */
  static CheckRunner.Use freshness(Sensors.Freshness f, RuleGroup level, Duration limit) {
    Check check = new Check() {
      @Override
      public String name() {
        return "freshness";
      }

      @Override
      public String describe(Options options) {
        return f.ruleText(limit);
      }

      @Override
      public CheckResult evaluate(CheckInput input, Options options) {
        Map<String, Double> observed = f.newest().isPresent() ? Map.of(f.metric(), f.ageHours()) : Map.of();
        return f.tooOld(limit)
            ? CheckResult.failed(f.staleness(level == RuleGroup.ERROR ? "error_after" : "warn_after", limit), observed)
            : CheckResult.passed("", observed);
      }
    };
    return use(check, level, f.rule().where());
  }

  /**
   * The schema contract of a source: a breaking change (a declared column missing without
   * approval, a type that cannot be cast safely, an added column the policy blocks) fails the error
   * check; any difference fails the warn check, so that accepted drift is reported too.
   */
  static List<CheckRunner.Use> drift(String input, Partition partition, SchemaDrift diff, DriftPolicy policy) {
    List<String> unapproved = diff.unapprovedRemovals(policy);
    boolean addedBlocked = policy.added() == DriftPolicy.Added.BLOCK && !diff.added().isEmpty();
    boolean breaking = !unapproved.isEmpty() || !diff.unsafe().isEmpty() || addedBlocked;
    Map<String, Double> observed = new TreeMap<>();
    observed.put("Schema." + input + ".AddedColumns", (double) diff.added().size());
    observed.put("Schema." + input + ".RemovedColumns", (double) diff.removed().size());
    observed.put("Schema." + input + ".TypeChanges", (double) diff.changed().size());
    String described = "source '" + input + "' for " + partition + " drifted from its declared schema: " + diff.describe(policy);
    List<String> fixes = new ArrayList<>();
    if (!unapproved.isEmpty()) {
      fixes.add("approve the removal under drift.approved_removals (" + policy.where() + ")");
    }
    if (!diff.unsafe().isEmpty()) {
      fixes.add("change the declared type if the new one is intended");
    }
    if (addedBlocked) {
      fixes.add("declare the new column(s), or set drift.added: accept");
    }
    String breakingWords = described + ". Fix the producer, or " + String.join(", or ", fixes) + "; the table keeps its published rows";
    String anyWords = described + (policy.added() == DriftPolicy.Added.ACCEPT && !diff.added().isEmpty()
        ? " (added columns are carried into bronze)" : "");
    return List.of(
        use(fixed("schema_drift", "SchemaDrift \"" + input + "\" no breaking change",
            () -> breaking ? CheckResult.failed(breakingWords, observed) : CheckResult.passed("", observed)), RuleGroup.ERROR, policy.where()),
        use(fixed("schema_drift", "SchemaDrift \"" + input + "\" no change",
            () -> diff.any() ? CheckResult.failed(anyWords, observed) : CheckResult.passed("", observed)), RuleGroup.WARN, policy.where()));
  }

  /**
   * The invariants of a whole history, from one pass over it ({@code violations}: by metric, the
   * versions or keys that break each).
   */
  static List<CheckRunner.Use> history(Supplier<Map<String, Long>> violations, String where) {
    List<CheckRunner.Use> uses = new ArrayList<>();
    for (String[] invariant : new String[][] {
        {"History.KeysWithSeveralCurrentVersions", "History: one current version per key"},
        {"History.ReversedIntervals", "History: no reversed interval"},
        {"History.OverlappingIntervals", "History: no overlapping intervals"}}) {
      uses.add(use(fixed("history", invariant[1], () -> {
        long n = violations.get().getOrDefault(invariant[0], 0L);
        Map<String, Double> observed = Map.of(invariant[0], (double) n);
        String words = historyWords(invariant[0], n);
        return n == 0 ? CheckResult.passed(words, observed) : CheckResult.failed(words, observed);
      }), RuleGroup.ERROR, where));
    }
    return uses;
  }

  /** An invariant of a history, in words: how many break it, against none. */
  static String historyWords(String invariant, long n) {
    String many = String.format(Locale.ROOT, "%,d", n);
    return switch (invariant) {
      case "History.KeysWithSeveralCurrentVersions" -> n == 0 ? "every key has one current version"
          : many + (n == 1 ? " key has" : " keys have") + " more than one current version (expected one per key)";
      case "History.ReversedIntervals" -> n == 0 ? "no version ends before it starts"
          : many + (n == 1 ? " version ends" : " versions end") + " before it starts (expected none)";
      case "History.OverlappingIntervals" -> n == 0 ? "no two versions of a key overlap"
          : many + (n == 1 ? " version overlaps" : " versions overlap") + " the previous version of its key (expected none)";
      default -> many + " violation(s) of " + invariant;
    };
  }

  /** A check whose verdict was observed by the engine: it states {@code text} and returns what {@code verdict} gives. */
  private static Check fixed(String name, String text, Supplier<CheckResult> verdict) {
    return new Check() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String describe(Options options) {
        return text;
      }

      @Override
      public CheckResult evaluate(CheckInput input, Options options) {
        return verdict.get();
      }
    };
  }

  private static CheckRunner.Use use(Check check, RuleGroup level, String where) {
    return new CheckRunner.Use(new CheckSpec(check.name(), level, Map.of(), where), check, Options.NONE, check.describe(Options.NONE));
  }
}

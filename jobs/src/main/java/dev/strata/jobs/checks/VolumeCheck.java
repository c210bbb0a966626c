package dev.strata.jobs.checks;

import dev.strata.api.Check;
import dev.strata.api.CheckInput;
import dev.strata.api.CheckResult;
import dev.strata.api.Options;
import dev.strata.api.Partition;
import dev.strata.quality.RuleGroup;
import dev.strata.quality.RuleResult;
import dev.strata.quality.RuleSpec;
import dev.strata.quality.VolumeAnomaly;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The volume anomaly check: the rows a partition publishes against the median of the table's
 * earlier accepted partitions (the same weekday, with {@code same_weekday: true}), as the ledger
 * keeps them. A table's {@code volume:} is this check; {@code checks: [{check: volume, ...}]} is
 * too. Options: {@code max_change} (a share, default 0.3), {@code baseline} (partitions, default
 * 4), {@code min_history} (partitions needed before it judges, default 2), {@code same_weekday}.
 */
public final class VolumeCheck implements Check {
  public static final String NAME = "volume";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String describe(Options options) {
    return VolumeAnomaly.text(maxChange(options), basis(options, null));
  }

  @Override
  public String describe(Options options, Partition partition) {
    return VolumeAnomaly.text(maxChange(options), basis(options, partition));
  }

  @Override
  public void validate(Options options) {
    if (!(maxChange(options) > 0)) {
      throw new IllegalArgumentException("Option 'max_change' must be a share above 0, e.g. 0.3 for ±30%.");
    }
    if (options.getLong("baseline", 4) < 1 || options.getLong("min_history", 2) < 1) {
      throw new IllegalArgumentException("Options 'baseline' and 'min_history' must be at least 1.");
    }
    options.getBoolean("same_weekday", false);
  }

  @Override
  public CheckResult evaluate(CheckInput input, Options options) {
    int size = (int) options.getLong("baseline", 4);
    // Weekdays compare days (or hours) of the same weekday; a month or a whole table has none.
    boolean sameWeekday = options.getBoolean("same_weekday", false) && input.partition() != null && !input.partition().isWhole()
        && input.partition().granularity() != Partition.Granularity.MONTH;
    List<Long> baseline = new ArrayList<>();
    List<Partition> earlier = input.publishedRows().keySet().stream().sorted(Comparator.reverseOrder()).toList();
    for (Partition p : earlier) {
      if (baseline.size() < size && (!sameWeekday || p.date().getDayOfWeek() == input.partition().date().getDayOfWeek())) {
        baseline.add(input.publishedRows().get(p));
      }
    }
    String basis = basis(options, input.partition());
    // VolumeAnomaly words the verdict; the spec it is given is only carried through.
    RuleResult r = VolumeAnomaly.evaluate(input.rowCount(), baseline, maxChange(options), (int) options.getLong("min_history", 2),
        new RuleSpec(describe(options, input.partition()), RuleGroup.ERROR, ""), basis);
    Map<String, Double> observed = r.observed();
    return r.passed() ? CheckResult.passed(r.message(), observed) : CheckResult.failed(r.message(), observed);
  }

  private static double maxChange(Options options) {
    return options.getDouble("max_change", 0.3);
  }

  /** "the last 4 accepted Mondays", or "partitions"; without a partition, "same weekdays". */
  private static String basis(Options options, Partition partition) {
    long size = options.getLong("baseline", 4);
    if (!options.getBoolean("same_weekday", false)) {
      return "the last " + size + " accepted partitions";
    }
    String day = partition == null || partition.isWhole() ? "same weekday" : partition.date().getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
    return "the last " + size + " accepted " + day + "s";
  }
}

package dev.strata.jobs.engine;

import dev.strata.quality.RuleResult;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints a run's progress and summary for people: one line per table partition, failures below it. */
final class RunPrinter {
  private final PrintWriter out;

  RunPrinter(PrintWriter out) {
    this.out = out;
  }

  void start(String runId, String pipeline, List<LocalDate> partitions, RunRequest request, String warehouse) {
    String range = RunRequest.describe(partitions);
    out.printf(
        "Run %s: pipeline %s, %s%s, warehouse %s%n",
        runId, pipeline, range, request.layer().map(l -> ", layer " + l.key()).orElse(""), warehouse);
    out.printf("  %-10s  %-6s  %-26s  %-9s  %12s  %-12s  %7s  %s%n", "partition", "layer", "table", "status", "rows", "rules", "time", "version");
  }

  synchronized void build(TableBuildResult r) {
    long passed = r.gate().results().stream().filter(RuleResult::passed).count();
    int total = r.gate().results().size();
    out.printf(
        Locale.ROOT,
        "  %-10s  %-6s  %-26s  %-9s  %12s  %-12s  %6.1fs  %s%n",
        r.partition(),
        r.layer().key(),
        r.table(),
        r.status(),
        r.rows() < 0 ? "-" : String.format(Locale.ROOT, "%,d", r.rows()),
        total == 0 ? "-" : passed + "/" + total + " passed",
        r.duration().toMillis() / 1000.0,
        r.deltaVersion() < 0 ? "-" : "v" + r.deltaVersion());
    if (r.counts().quarantined() > 0) {
      out.printf(
          Locale.ROOT,
          "      quarantined %,d of %,d rows: %s%n",
          r.counts().quarantined(),
          r.counts().in(),
          r.counts().quarantinedByRule().entrySet().stream()
              .map(e -> e.getKey() + " (" + e.getValue() + ")")
              .collect(java.util.stream.Collectors.joining(", ")));
    }
    if (r.counts().filtered() > 0) {
      out.printf(Locale.ROOT, "      filtered %,d rows: %s%n", r.counts().filtered(), r.counts().filteredReason());
    }
    for (RuleResult rule : r.gate().results()) {
      if (!rule.passed()) {
        String mark = rule.blocks() ? "x" : "!";
        String group = rule.blocks() ? "error" : "warn";
        out.printf(
            "      %s %s rule %s failed on %s %s: observed %s%s%n",
            mark, group, rule.spec().text(), r.table(), r.partition(), rule.observedText(),
            rule.message().isEmpty() ? "" : " (" + dev.strata.jobs.Errors.printable(rule.message()) + ")");
      }
    }
    if (!r.message().isEmpty() && (r.status() != BuildStatus.PUBLISHED || r.message().startsWith(TableBuildResult.WARNING))) {
      out.printf("      -> %s%n", dev.strata.jobs.Errors.printable(r.message()).replace("\n", "\n         "));
    }
  }

  synchronized void retrying(TableBuildResult failed, int maxAttempts, String wait) {
    out.printf(
        "  %-10s  %-6s  %-26s  %-9s  attempt %d of %d failed (%s); transient, retrying in %s%n",
        failed.partition(), failed.layer().key(), failed.table(), "RETRYING", failed.attempt(), maxAttempts,
        failed.errorClass(), wait);
  }

  synchronized void finish(RunResult run) {
    Map<BuildStatus, Integer> counts = new EnumMap<>(BuildStatus.class);
    run.builds().forEach(b -> counts.merge(b.status(), 1, Integer::sum));
    StringBuilder parts = new StringBuilder();
    counts.forEach((status, n) -> parts.append(parts.length() == 0 ? "" : ", ").append(n).append(' ').append(status.name().toLowerCase(Locale.ROOT)));
    out.printf("Quality report: %s%n", run.reportPath());
    out.printf(
        "Run %s %s (exit %d): %s in %.1fs%n",
        run.runId(), run.status() == BuildStatus.PUBLISHED ? "succeeded" : "did not publish everything: " + run.status(),
        run.exitCode(), parts, java.time.Duration.between(run.startedAt(), run.endedAt()).toMillis() / 1000.0);
    if (run.status() == BuildStatus.BLOCKED || run.status() == BuildStatus.SKIPPED) {
      out.println("Blocked tables keep their previously published rows; fix the data or the rules and run the partition again.");
    }
  }
}

package dev.strata.jobs.engine;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.run.Incident;
import dev.strata.jobs.run.Invocation;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.quality.RuleResult;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;


/** Prints a run's progress and summary for people: one line per table partition, failures below it. */
final class RunPrinter {
  /** Published table partitions with quarantined rows that the run's end names (the rest: one line). */
  private static final int QUARANTINE_NOTES = 5;
  private final PrintWriter out;

  RunPrinter(PrintWriter out) {
    this.out = out;
  }

  /** The run's first lines: what it builds, then notes a reader needs first (an earlier run that never ended), then the table's header. */
  void start(String runId, String pipeline, List<Partition> partitions, RunRequest request, String warehouse, List<String> notes) {
    String range = RunRequest.describe(partitions);
    out.printf(
        "Run %s: pipeline %s, %s%s, warehouse %s%n",
        runId, pipeline, range, request.layer().map(l -> ", layer " + l.key()).orElse(""), warehouse);
    notes.forEach(out::println);
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
          "      %s %,d of %,d rows: %s%n",
          // A build that does not publish writes nothing to the quarantine: its rejected rows stay in staging.
          r.status() == BuildStatus.PUBLISHED ? "quarantined" : "rejected (kept in staging, not quarantined)",
          r.counts().quarantined(),
          r.counts().in(),
          r.counts().quarantinedByRule().entrySet().stream()
              .map(e -> e.getKey() + " (" + String.format(Locale.ROOT, "%,d", e.getValue()) + ")")
              .collect(java.util.stream.Collectors.joining(", ")));
    }
    if (r.counts().filtered() > 0) {
      out.printf(Locale.ROOT, "      filtered %,d rows: %s%n", r.counts().filtered(), r.counts().filteredReason());
    }
    if (r.status() == BuildStatus.PUBLISHED) {
      // A partition by event time: how many of its rows came late, and in which landing partitions.
      TableBuildResult.lateRows(r.message()).ifPresent(m -> out.printf("      late: %s%n", m));
    }
    // Causes first (the gate's results are in causal order), then one line for what could not be evaluated, then warnings.
    List<RuleResult> notEvaluated = r.gate().notEvaluated();
    boolean folded = false;
    for (RuleResult rule : r.gate().results()) {
      if (rule.passed()) {
        continue;
      }
      if (rule.notEvaluated()) {
        if (!folded) {
          folded = true;
          out.printf("      - %d rule%s not evaluated (%s): %s%n", notEvaluated.size(), notEvaluated.size() == 1 ? "" : "s",
              rule.message().replaceFirst("^not evaluated: ", ""),
              String.join(", ", notEvaluated.stream().map(n -> n.spec().text()).toList()));
        }
        continue;
      }
      out.printf("      %s %s %s: %s%n", rule.blocks() ? "x" : "!", rule.blocks() ? "error" : "warn", rule.spec().text(),
          dev.strata.jobs.Errors.printable(rule.message()));
      if (!rule.samples().isEmpty()) {
        out.printf("          e.g. %s%n", String.join("; ", rule.samples()));
      }
    }
    // A blocked build's message repeats its cause, printed above; the run's end says where its rows are.
    boolean explained = r.status() == BuildStatus.BLOCKED && r.gate().cause().isPresent();
    if (!r.message().isEmpty() && !explained && (r.status() != BuildStatus.PUBLISHED || r.message().contains(TableBuildResult.WARNING))) {
      out.printf("      -> %s%n", dev.strata.jobs.Errors.printable(r.message()).replace("\n", "\n         "));
    }
  }

  /** A delivery of a published partition to an output: a line of its own, under the build's. */
  synchronized void delivery(dev.strata.jobs.run.DeliveryResult d) {
    out.printf(
        Locale.ROOT,
        "  %-10s  %-6s  %-26s  %-9s  %12s  %-12s  %6.1fs  %s%n",
        d.partition(), "output", d.table() + "." + d.output(), d.status(),
        d.rows() < 0 ? "-" : String.format(Locale.ROOT, "%,d", d.rows()), d.sink(), d.duration().toMillis() / 1000.0,
        d.delivered() ? d.target() : "");
    if (!d.delivered()) {
      out.printf("      -> %s%n", dev.strata.jobs.Errors.printable(d.message()));
    }
  }

  synchronized void retrying(TableBuildResult failed, int maxAttempts, String wait) {
    out.printf(
        "  %-10s  %-6s  %-26s  %-9s  attempt %d of %d failed (%s); transient, retrying in %s%n",
        failed.partition(), failed.layer().key(), failed.table(), "RETRYING", failed.attempt(), maxAttempts,
        failed.errorClass(), wait);
  }

  /**
   * The run's end: its outcome, then each table partition it left unpublished with the cause
   * first, the rows that show it, what did not build because of it, and the commands to run next.
   */
  synchronized void finish(RunResult run, Invocation how) {
    Map<BuildStatus, Integer> counts = new EnumMap<>(BuildStatus.class);
    run.builds().forEach(b -> counts.merge(b.status(), 1, Integer::sum));
    StringBuilder parts = new StringBuilder();
    counts.forEach((status, n) -> parts.append(parts.length() == 0 ? "" : ", ").append(n).append(' ').append(status.name().toLowerCase(Locale.ROOT)));
    long delivered = run.deliveries().stream().filter(dev.strata.jobs.run.DeliveryResult::delivered).count();
    if (!run.deliveries().isEmpty()) {
      parts.append(parts.length() == 0 ? "" : ", ").append(delivered).append(" delivered");
      if (delivered < run.deliveries().size()) {
        parts.append(", ").append(run.deliveries().size() - delivered).append(" delivery failed");
      }
    }
    out.printf(
        "Run %s %s (exit %d): %s in %.1fs%n",
        run.runId(), run.status() == BuildStatus.PUBLISHED ? "succeeded" : "did not publish everything: " + run.status(),
        run.exitCode(), parts, java.time.Duration.between(run.startedAt(), run.endedAt()).toMillis() / 1000.0);
    for (Incident i : run.incidents()) {
      out.printf("%s%n", dev.strata.jobs.Errors.printable(i.headline()));
      if (!i.samples().isEmpty()) {
        out.printf("  e.g. %s%n", String.join("; ", i.samples()));
      }
      for (String c : i.consequences()) {
        out.printf("  %s%n", dev.strata.jobs.Errors.printable(c));
      }
      if (!i.notBuilt().isEmpty()) {
        out.printf("  not built as a result: %s%n", String.join(", ", i.notBuilt()));
      }
      out.printf("  fix: %s%n", i.fix());
      for (String command : i.inspect()) {
        out.printf("  inspect: %s%n", command);
      }
      out.printf("  then rebuild: %s%n", i.rebuild());
    }
    for (dev.strata.jobs.run.DeliveryResult d : run.failedDeliveries()) {
      out.printf("%s %s published, but not delivered to output '%s' (%s): %s%n", d.table(), d.partition(), d.output(), d.sink(),
          dev.strata.jobs.Errors.printable(d.message()));
      out.printf("  deliver it again (nothing is rebuilt): %s%n", how.command("run", run.pipeline(), "--resume", run.runId()));
    }
    if (run.incidents().size() > 1) {
      out.printf("Or rebuild everything this run did not publish, once fixed: %s%n",
          how.command("run", run.pipeline(), "--resume", run.runId()));
    }
    List<TableBuildResult> quarantined =
        run.builds().stream().filter(b -> b.status() == BuildStatus.PUBLISHED && b.counts().quarantined() > 0).toList();
    for (TableBuildResult b : quarantined.subList(0, Math.min(QUARANTINE_NOTES, quarantined.size()))) {
      out.printf(Locale.ROOT, "Quarantined %,d row%s of %s %s: see %s; once their cause is fixed: %s%n", b.counts().quarantined(),
          b.counts().quarantined() == 1 ? "" : "s", b.table(),
          b.partition(), how.command("quarantine list", run.pipeline(), "--table", b.table(), "--date", b.partition().toString()),
          how.command("quarantine replay", run.pipeline(), "--table", b.table(), "--date", b.partition().toString()));
    }
    if (quarantined.size() > QUARANTINE_NOTES) {
      out.printf("... and %d more table partitions with quarantined rows: %s%n", quarantined.size() - QUARANTINE_NOTES,
          how.command("quarantine list", run.pipeline()));
    }
    out.printf("Quality report: %s%n", run.reportPath());
  }
}

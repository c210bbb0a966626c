package dev.strata.jobs.cli;


import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.Sensors;
import dev.strata.jobs.ledger.BuildRecord;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.UnitState;
import dev.strata.jobs.run.TableBuildResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    description = {
      "Per table: the last successful publish of each partition, the last attempt and its outcome, and how old the newest"
          + " published partition is; the freshness of every source and table that declares a rule (exit 5 if one is past its error_after)."
    })
final class StatusCommand implements Callable<Integer> {
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Option(names = "--partitions", paramLabel = "N", description = "Partitions listed per table, newest first (default ${DEFAULT-VALUE}).", defaultValue = "5")
  int partitions;

  @Override
  public Integer call() {
    Pipeline p = common.validated(pipeline);
    PrintWriter out = spec.commandLine().getOut();
    EngineContext ctx = common.context(common.session("strata status " + p.name()), out);
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    Instant now = ctx.clock().instant();
    out.printf("Pipeline %s, warehouse %s, at %s%n", p.name(), ctx.warehouse().root(), TIME.format(now));
    ledger.runs(p.name()).stream().findFirst().ifPresentOrElse(
        last -> out.printf("Last run: %s %s, started %s (%s)%n", last.runId(), last.status(), TIME.format(last.startedAt()),
            ago(last.startedAt(), now)),
        () -> out.println("No run of this pipeline is in the ledger yet."));
    int exit = freshness(p, ctx, ledger, out);
    circuits(p, ledger, now, out);
    streams(p, ledger, now, out);
    Map<String, List<UnitState>> byTable = ledger.latestBuilds(p.name()).stream()
        .sorted(Comparator.comparing((UnitState u) -> u.unit().partition()).reversed())
        .collect(Collectors.groupingBy(u -> u.unit().table()));
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    List<dev.strata.jobs.ledger.DeliveryRecord> deliveries =
        p.tablesInOrder().stream().anyMatch(t -> !t.outputs().isEmpty()) ? ledger.latestDeliveries(p.name()) : List.of();
    for (TableDefinition t : p.tablesInOrder()) {
      List<UnitState> units = byTable.getOrDefault(t.name(), List.of());
      out.printf("%n%s (%s)%n", t.name(), t.layer().key());
      if (units.isEmpty()) {
        out.println("    never built");
        continue;
      }
      outputs(p.name(), t, deliveries, now, out);
      BuildRecord lastAttempt = units.stream().map(UnitState::latest).max(Comparator.comparing(BuildRecord::recordedAt)).orElseThrow();
      out.printf(
          "    last attempt: %s %s at %s (%s), run %s%s%n",
          lastAttempt.partition(), lastAttempt.status(), TIME.format(lastAttempt.recordedAt()), ago(lastAttempt.recordedAt(), now),
          lastAttempt.runId(), lastAttempt.published() ? "" : ": " + Errors.firstLine(lastAttempt.message()));
      units.stream().filter(u -> u.lastPublished().isPresent()).findFirst().ifPresentOrElse(
          newest -> {
            if (newest.unit().partition().isWhole()) {
              out.printf("    unpartitioned: rebuilt whole by every run%n");
              return;
            }
            LocalDate day = newest.unit().partition().date();
            long days = ChronoUnit.DAYS.between(day, today);
            out.printf("    newest published partition: %s, %d day%s before today%n", newest.unit().partition(), days, days == 1 ? "" : "s");
          },
          () -> out.println("    no partition has ever been published"));
      List<UnitState> shown = units.subList(0, Math.min(partitions, units.size()));
      for (UnitState u : shown) {
        String publishedText = u.lastPublished()
            .map(b -> String.format(
                Locale.ROOT, "published %s (%s), v%d, %,d rows", TIME.format(b.recordedAt()), ago(b.recordedAt(), now), b.deltaVersion(),
                b.rowsPublished()))
            .orElse("never published");
        BuildRecord latest = u.latest();
        // A partition of a table partitioned by event time that a later landing rebuilt says so.
        String late = latest.published() && latest.message() != null && latest.message().startsWith("late data: ")
            ? "; rebuilt by " + lateData(Errors.firstLine(latest.message())) : "";
        out.printf(
            "    %s  %s%s%s%n", u.unit().partition(), publishedText,
            latest.published() ? "" : "; latest build " + latest.status() + " (run " + latest.runId() + ")", late);
      }
      if (units.size() > shown.size()) {
        out.printf("    ... %d older partition%s (--partitions N to list more)%n", units.size() - shown.size(), units.size() - shown.size() == 1 ? "" : "s");
      }
    }
    out.flush();
    return exit;
  }

  /**
   * Each Kafka source's latest pull, as the ledger has it (status never contacts the broker): the
   * batch, how many messages, when, and where the next pull starts; or that it never pulled, that
   * a pull did not finish (the next lands it again), or that it was started over.
   */
  private static void streams(Pipeline p, Ledger ledger, Instant now, PrintWriter out) {
    List<dev.strata.jobs.definition.SourceDefinition> streams = p.definition().sources().stream()
        .filter(dev.strata.jobs.definition.SourceDefinition::stream).toList();
    if (streams.isEmpty()) {
      return;
    }
    out.println("Streams:");
    for (var source : streams) {
      List<dev.strata.jobs.ledger.StreamBatch> last = ledger.latestStreamBatch(p.name(), source.name());
      String topic = source.options().get("topic");
      if (last.isEmpty()) {
        out.printf("    %s (topic %s): never pulled%n", source.name(), topic);
        continue;
      }
      dev.strata.jobs.ledger.StreamBatch first = last.get(0);
      Instant at = last.stream().map(dev.strata.jobs.ledger.StreamBatch::recordedAt).max(Comparator.naturalOrder()).orElseThrow();
      if (first.status().equals(dev.strata.jobs.ledger.StreamBatch.RESET)) {
        out.printf("    %s (topic %s): started over at %s (%s); the next pull begins at its starting_offsets%n", source.name(), topic,
            TIME.format(at), ago(at, now));
        continue;
      }
      long messages = last.stream().mapToLong(dev.strata.jobs.ledger.StreamBatch::messages).sum();
      String next = last.stream().map(b -> b.kafkaPartition() + ":" + b.endOffset()).collect(Collectors.joining(", "));
      boolean landed = last.stream().allMatch(b -> b.status().equals(dev.strata.jobs.ledger.StreamBatch.LANDED));
      out.printf(Locale.ROOT, "    %s (topic %s): batch %d, %,d message%s, %s %s (%s); %s%n", source.name(), topic, first.batch(), messages,
          messages == 1 ? "" : "s", landed ? "landed" : "planned", TIME.format(at), ago(at, now),
          landed ? "the next pull starts at offsets " + next : "its pull did not finish: the next pull lands it again");
    }
  }

  /** Each source with a circuit breaker: closed, open until when and why, or half-open (its next ingest tries it). */
  private static void circuits(Pipeline p, Ledger ledger, Instant now, PrintWriter out) {
    List<dev.strata.jobs.definition.SourceDefinition> guarded = p.definition().sources().stream().filter(s -> s.circuit() != null).toList();
    if (guarded.isEmpty()) {
      return;
    }
    out.println("Circuits:");
    dev.strata.jobs.engine.CircuitBreakers breakers = new dev.strata.jobs.engine.CircuitBreakers(ledger, p.name());
    for (var source : guarded) {
      var state = breakers.state(source, now);
      switch (state.kind()) {
        case CLOSED -> out.printf("    %s: closed%s%n", source.name(),
            state.failures() == 0 ? "" : String.format(Locale.ROOT, " (%d of %d failures in a row)", state.failures(), source.circuit().failures()));
        case OPEN -> out.printf("    %s: OPEN until %s (%s), after %d failed ingests in a row; the last: %s%n", source.name(),
            TIME.format(state.openUntil()), "in " + dev.strata.jobs.definition.Durations.format(
                java.time.Duration.ofMinutes(Math.max(1, java.time.Duration.between(now, state.openUntil()).toMinutes()))),
            state.failures(), state.lastFailure());
        default -> out.printf("    %s: half-open since %s: its next ingest tries it (%d failed in a row; the last: %s)%n", source.name(),
            TIME.format(state.openUntil()), state.failures(), state.lastFailure());
      }
    }
  }

  /**
   * Per output of the table: the partition last delivered, when, how many rows and where; and the
   * partitions whose latest delivery failed (the table has them published, the output not).
   */
  private static void outputs(
      String pipeline, TableDefinition t, List<dev.strata.jobs.ledger.DeliveryRecord> deliveries, Instant now, PrintWriter out) {
    for (var output : t.outputs()) {
      List<dev.strata.jobs.ledger.DeliveryRecord> mine = deliveries.stream()
          .filter(d -> d.table().equals(t.name()) && d.output().equals(output.name())).toList();
      var last = mine.stream().flatMap(d -> d.lastDelivered().stream())
          .max(Comparator.comparing(dev.strata.jobs.ledger.DeliveryRecord::recordedAt));
      out.printf("    output %s (%s): %s%n", output.name(), output.sink(), last.map(d -> String.format(Locale.ROOT,
          "last delivered %s at %s (%s), %,d rows, v%d, to %s", d.partition(), TIME.format(d.recordedAt()), ago(d.recordedAt(), now),
          d.rows(), d.deltaVersion(), d.target())).orElse("never delivered"));
      for (var failed : mine.stream().filter(d -> !d.delivered()).toList()) {
        out.printf("      %s FAILED at %s (run %s): %s; deliver it again: strata run %s --resume %s%n", failed.partition(),
            TIME.format(failed.recordedAt()), failed.runId(), Errors.firstLine(failed.message()), pipeline, failed.runId());
      }
    }
  }

  /**
   * What a partition rebuilt by late data says of it: which landing partitions rebuilt it, and how
   * many of its rows landed after it ({@code late data: rows for 2024-03-01 landed in 2024-03-04
   * (12 rows landed after 2024-03-01)}).
   */
  static String lateData(String message) {
    String rebuilt = message.split("; ")[0];
    return TableBuildResult.lateRows(message).map(m -> rebuilt + " (" + m.substring(0, m.indexOf(':') < 0 ? m.length() : m.indexOf(':')) + ")")
        .orElse(rebuilt);
  }

  /**
   * The freshness of every source and table that declares a rule, as a run would judge it now.
   *
   * @return 5 if any is older than its error_after, else 0
   */
  private static int freshness(Pipeline p, EngineContext ctx, Ledger ledger, PrintWriter out) {
    Sensors sensors = new Sensors(ctx.spark().sparkContext().hadoopConfiguration(), ctx.warehouse(), ctx.clock());
    List<Sensors.Freshness> checks = new ArrayList<>();
    p.definition().sources().stream().filter(s -> s.freshness() != null).forEach(s -> checks.add(sensors.freshness(ctx.spark(), s)));
    p.tablesInOrder().stream().filter(t -> t.freshness() != null).forEach(t -> checks.add(sensors.freshness(ctx.spark(), p.name(), t, ledger)));
    if (checks.isEmpty()) {
      return 0;
    }
    out.println("Freshness:");
    int exit = 0;
    for (Sensors.Freshness f : checks) {
      String level = f.level();
      String what = (f.table() ? "table " : "source ") + f.name();
      String detail =
          switch (level) {
            case "ERROR" -> f.staleness("error_after", f.rule().errorAfter());
            case "WARN" -> f.staleness("warn_after", f.rule().warnAfter());
            default -> String.format(Locale.ROOT, "%s %.1f h old (%s)", f.rule().measure(f.table()), f.ageHours(),
                f.newest().orElse("no data"));
          };
      out.printf("    %-5s %s: %s%n", level, what, detail);
      if (level.equals("ERROR")) {
        exit = dev.strata.jobs.cli.ExitCodes.UPSTREAM_NOT_READY;
      }
    }
    return exit;
  }

  static String ago(Instant then, Instant now) {
    Duration d = Duration.between(then, now);
    if (d.toDays() >= 2) {
      return d.toDays() + "d ago";
    }
    if (d.toHours() >= 2) {
      return d.toHours() + "h ago";
    }
    if (d.toMinutes() >= 2) {
      return d.toMinutes() + "m ago";
    }
    return Math.max(0, d.toSeconds()) + "s ago";
  }
}

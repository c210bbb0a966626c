package dev.strata.jobs.run;

import dev.strata.api.BuildStatus;
import dev.strata.jobs.Errors;
import dev.strata.jobs.io.Warehouse;
import dev.strata.quality.GateResult;
import dev.strata.quality.RuleResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a run's builds into {@link Incident}s, one per table partition it left unpublished (a
 * SKIPPED one is not an incident of its own: it is listed under the incident that kept it from
 * building). The console, the report and the alert all render these, so they say the same thing in
 * the same order.
 */
public final class Incidents {
  private Incidents() {}

  /**
   * The incidents of a run, in build order.
   *
   * @param runId the run, for the commands
   * @param pipeline the pipeline's name
   * @param builds the run's builds
   * @param how how the run was invoked, for the commands
   * @param definition the definition folder, to show where rules are declared relative to it (null: as recorded)
   * @param warehouse the warehouse, to name the folder a blocked build's checked rows stay in (null: not named)
   */
  public static List<Incident> of(
      String runId, String pipeline, List<TableBuildResult> builds, Invocation how, Path definition, Warehouse warehouse) {
    Map<UnitId, TableBuildResult> byUnit = new LinkedHashMap<>();
    builds.forEach(b -> byUnit.put(RunRequest.unit(b.table(), b.partition()), b));
    Map<UnitId, List<String>> notBuilt = new LinkedHashMap<>();
    for (TableBuildResult b : builds) {
      if (b.status() == BuildStatus.SKIPPED) {
        root(b, byUnit).ifPresent(r -> notBuilt.computeIfAbsent(RunRequest.unit(r.table(), r.partition()), k -> new ArrayList<>())
            .add(b.table() + " " + b.partition()));
      }
    }
    List<Incident> incidents = new ArrayList<>();
    for (TableBuildResult b : builds) {
      if (b.status() == BuildStatus.PUBLISHED || b.status() == BuildStatus.SKIPPED) {
        continue;
      }
      incidents.add(incident(runId, pipeline, b, notBuilt.getOrDefault(RunRequest.unit(b.table(), b.partition()), List.of()), how,
          definition, warehouse));
    }
    return incidents;
  }

  /** The build that kept a skipped one from building: its upstream's, followed through skipped builds. */
  private static Optional<TableBuildResult> root(TableBuildResult skipped, Map<UnitId, TableBuildResult> byUnit) {
    TableBuildResult at = skipped;
    for (int hops = 0; at != null && at.status() == BuildStatus.SKIPPED && at.upstream() != null && hops < byUnit.size(); hops++) {
      at = byUnit.get(RunRequest.unit(at.upstream(), at.partition()));
    }
    return at == null || at.status() == BuildStatus.SKIPPED ? Optional.empty() : Optional.of(at);
  }

  private static Incident incident(
      String runId, String pipeline, TableBuildResult b, List<String> notBuilt, Invocation how, Path definition, Warehouse warehouse) {
    String date = b.partition().toString();
    String rebuildTable = b.status() == BuildStatus.NOT_READY && b.upstream() != null ? b.upstream() : b.table();
    String rebuild = how.command("run", pipeline, "--date", date, "--tables", rebuildTable + "+");
    String report = how.commandWithout("report", runId, "--html", "report-" + runId + ".html");
    GateResult gate = b.gate();
    Optional<RuleResult> cause = gate.cause();
    if (b.status() == BuildStatus.BLOCKED || (b.status() == BuildStatus.NOT_READY && cause.isPresent())) {
      RuleResult decided = cause.orElse(null);
      List<String> consequences = new ArrayList<>();
      for (RuleResult r : gate.blocking()) {
        if (r != decided && !r.notEvaluated()) {
          consequences.add("also failed: " + r.spec().text() + ": " + r.message());
        }
      }
      List<RuleResult> skipped = gate.notEvaluated();
      if (!skipped.isEmpty()) {
        consequences.add("not evaluated: " + skipped.size() + (decided == null ? "" : " more") + " rule" + (skipped.size() == 1 ? "" : "s")
            + " (" + skipped.get(0).message().replaceFirst("^not evaluated: ", "") + "): "
            + String.join(", ", skipped.stream().map(r -> r.spec().text()).toList()));
      }
      String declaredAt = decided == null ? null : relative(decided.spec().origin(), definition);
      List<String> inspect = new ArrayList<>(List.of(report));
      if (b.status() == BuildStatus.BLOCKED && warehouse != null) {
        inspect.add("the rows it checked: " + warehouse.stagingPath(runId, b.table(), b.partition()));
      }
      return new Incident(
          b.table(), b.layer(), b.partition(), b.status(), decided == null ? null : decided.spec().text(),
          decided == null ? Errors.printable(b.message()) : decided.message(), decided == null ? List.of() : decided.samples(), consequences,
          declaredAt, notBuilt, fix(b, decided, declaredAt), inspect, rebuild);
    }
    List<String> inspect = new ArrayList<>();
    inspect.add(how.command("history", pipeline, "--table", b.table(), "--limit", "5"));
    if (b.status() == BuildStatus.NOT_READY && b.upstream() != null) {
      inspect.add(how.command("status", pipeline));
    }
    return new Incident(
        b.table(), b.layer(), b.partition(), b.status(), null, withoutSubject(Errors.printable(b.message()), b), List.of(), List.of(), null,
        notBuilt, fix(b, null, null), inspect, rebuild);
  }

  /** What to fix, in words, for the cause. */
  private static String fix(TableBuildResult b, RuleResult decided, String declaredAt) {
    if (decided == null) {
      return switch (b.status()) {
        case NOT_READY -> b.upstream() != null ? "rebuild the upstream table " + b.upstream() + " for " + b.partition() + " (its own incident says why"
            + " it did not publish); this table builds after it" : "the input is not ready: see above";
        case LOCKED -> "another run is building this partition: wait for it to finish (strata history), then build it again if it did not publish";
        case FAILED -> b.retryable() ? "a transient failure that outlasted its retries: once the storage or cluster is healthy, build it again"
            : "the error above, in the transform, its input or the storage; then build it again";
        default -> "the input or definition named above";
      };
    }
    String text = decided.spec().text();
    if (text.startsWith("QuarantineRatio")) {
      return "the rows the source delivered (the samples above; every rejected row is in the staging folder below),"
          + " or raise max_quarantine_ratio at " + declaredAt + " if this many rejected rows are expected";
    }
    if (text.startsWith("SchemaDrift")) {
      return "the producer's files, or the source's declared schema or drift contract at " + declaredAt;
    }
    if (text.startsWith("Freshness")) {
      return "the producer: deliver the partition's files, then build it again";
    }
    if (decided.evaluationError()) {
      return "the rule at " + declaredAt + ", or the transform whose output it checks";
    }
    return "the data (the rows above), or the rule at " + declaredAt + " if it is wrong";
  }

  /** A failure's message without its "Cannot build 'T' for D: " opening: the incident's headline says that. */
  private static String withoutSubject(String message, TableBuildResult b) {
    String prefix = "Cannot build '" + b.table() + "' for " + b.partition() + ": ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  /** A rule's origin ({@code /abs/conf/pipelines/p/rules.dqdl:3}) relative to the definition folder ({@code rules.dqdl:3}). */
  public static String relative(String origin, Path definition) {
    if (definition == null || origin == null) {
      return origin;
    }
    String folder = definition.toAbsolutePath().normalize().toString();
    return origin.startsWith(folder + "/") ? origin.substring(folder.length() + 1) : origin;
  }
}

package dev.strata.jobs.engine;

import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.UnitState;
import dev.strata.jobs.run.RunRequest;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.UnitId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A backfill: a plan of (table, partition) units over a range, stored in the ledger, built with the
 * same gates as any run. Issued again with the same range and tables, it is the same backfill
 * (same id) and resumes: units published since it was first planned are skipped unless forced.
 */
public final class Backfill {
  private final EngineContext ctx;

  public Backfill(EngineContext ctx) {
    this.ctx = ctx;
  }

  /**
   * What a backfill will do.
   *
   * @param id stable for the same pipeline, range and tables
   * @param units every unit of the plan, as {@link RunRequest#unit}, in build order
   * @param done the units already published since the backfill was first planned (skipped unless forced)
   * @param plannedAt when the backfill was first planned, or now for a new one
   * @param isNew whether the ledger had no plan of this id yet
   */
  public record Plan(
      String id, String pipeline, List<Partition> partitions, List<String> tables, List<UnitId> units, Set<UnitId> done,
      Instant plannedAt, boolean isNew) {
    public int toBuild() {
      return units.size() - done.size();
    }
  }

  /** The plan of a backfill of {@code tables} (all if empty) over {@code from..to}; nothing is written. */
  public Plan plan(Pipeline pipeline, Partition from, Partition to, Set<String> tables, boolean force) {
    Errors.check(from.granularity() == to.granularity(), "Cannot backfill %s: --from %s and --to %s are not of the same kind (an hour, a"
        + " day, a month); write both alike.", pipeline.name(), from, to);
    Errors.check(from.compareTo(to) <= 0, "Cannot backfill %s: --from %s is after --to %s. Swap them.", pipeline.name(), from, to);
    List<Partition> partitions = RunRequest.range(from, to);
    Errors.check(
        partitions.size() <= RunRequest.MAX_PARTITIONS,
        "Cannot backfill %s over more than %d partitions; split the range.", pipeline.name(), RunRequest.MAX_PARTITIONS);
    List<String> chosen =
        pipeline.tablesInOrder().stream().map(TableDefinition::name).filter(t -> tables.isEmpty() || tables.contains(t)).toList();
    String id = id(pipeline.name(), from, to, chosen);
    List<UnitId> units = new ArrayList<>();
    for (String t : chosen) {
      RunRequest.partitionsOf(pipeline.table(t).granularity(), partitions).forEach(d -> units.add(RunRequest.unit(t, d)));
    }
    units.sort(null);
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    Instant plannedAt = ledger.backfillPlannedAt(id).orElse(null);
    Set<UnitId> done = new LinkedHashSet<>();
    if (plannedAt != null && !force) {
      Set<UnitId> inPlan = Set.copyOf(units);
      Instant since = plannedAt;
      for (UnitState unit : ledger.latestBuilds(pipeline.name())) {
        if (unit.latest().published() && inPlan.contains(unit.unit()) && !unit.latest().recordedAt().isBefore(since)) {
          done.add(unit.unit());
        }
      }
    }
    return new Plan(id, pipeline.name(), partitions, chosen, units, done, plannedAt == null ? ctx.clock().instant() : plannedAt, plannedAt == null);
  }

  /** Prints a plan: its size, and per table the partitions to build. */
  public void print(Plan plan) {
    ctx.out().printf(
        "Backfill %s of %s: %d table%s x %d partition%s (%s) = %d units; %s%d to build.%n",
        plan.id(), plan.pipeline(), plan.tables().size(), plan.tables().size() == 1 ? "" : "s", plan.partitions().size(),
        plan.partitions().size() == 1 ? "" : "s", RunRequest.describe(plan.partitions()), plan.units().size(),
        plan.isNew() ? "" : "planned " + plan.plannedAt() + ", " + plan.done().size() + " already published since, ",
        plan.toBuild());
    Map<String, List<Partition>> byTable = new TreeMap<>();
    for (UnitId unit : plan.units()) {
      if (!plan.done().contains(unit)) {
        byTable.computeIfAbsent(unit.table(), t -> new ArrayList<>()).add(unit.partition());
      }
    }
    for (String table : plan.tables()) {
      List<Partition> todo = byTable.getOrDefault(table, List.of());
      ctx.out().printf("  %-28s %s%n", table, todo.isEmpty() ? "nothing to build" : todo.size() + " to build: " + RunRequest.describe(todo));
    }
    ctx.out().flush();
  }

  /** Stores the plan (first time only) and runs what is left of it. */
  public RunResult execute(Pipeline pipeline, Plan plan, int parallelism, java.time.Duration lockTimeout) {
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    if (plan.isNew()) {
      ledger.backfillPlanned(plan.id(), plan.pipeline(), plan.units(), plan.plannedAt());
    }
    List<Partition> todo = plan.partitions().stream().filter(d -> plan.tables().stream().anyMatch(t ->
        RunRequest.partitionsOf(pipeline.table(t).granularity(), List.of(d)).stream().anyMatch(p -> !plan.done().contains(RunRequest.unit(t, p)))))
        .toList();
    if (todo.isEmpty()) {
      ctx.out().println("Nothing left to build: every unit of this backfill is published. Use --force to build them again.");
      return null;
    }
    RunRequest request =
        new RunRequest(todo, java.util.Optional.empty(), Set.copyOf(plan.tables()), "backfill")
            .withParallelism(parallelism).withSkip(plan.done()).withLockTimeout(lockTimeout);
    return new PipelineRunner(ctx).run(pipeline, request);
  }

  /** The backfill's id: the same for the same pipeline, range and tables. */
  static String id(String pipeline, Partition from, Partition to, List<String> tables) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest((pipeline + "|" + from + "|" + to + "|" + String.join(",", tables)).getBytes(StandardCharsets.UTF_8));
      return "bf-" + HexFormat.of().formatHex(digest, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

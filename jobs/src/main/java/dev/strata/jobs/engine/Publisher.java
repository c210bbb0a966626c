package dev.strata.jobs.engine;

import static org.apache.spark.sql.functions.array;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.engine.InputResolver.Inputs;
import dev.strata.jobs.engine.SplitWriter.Split;
import dev.strata.jobs.engine.SplitWriter.Written;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Quarantine;
import dev.strata.jobs.run.BuildMetrics;
import dev.strata.jobs.run.RowCounts;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.jobs.write.PartitionWrite;
import dev.strata.quality.GateResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Phase 4 of a build: publishes what passed its gate (quarantine first, then the one commit, then
 * the bookkeeping after it, whose failures are warnings of a published build), or aborts what did
 * not, keeping the rows it checked for inspection.
 */
final class Publisher {
  private final RunScope run;

  Publisher(RunScope run) {
    this.run = run;
  }

  /**
   * Passed: the rejected rows replace the partition's quarantine, then the write commits,
   * then the bookkeeping after it (cleanup, the landing files it read), whose failures are warnings
   * of a published build.
   */
  TableBuildResult publish(
      SparkSession session, TableDefinition table, Partition partition, Inputs inputs, Written written, GateResult gate, String staging,
      Instant start) {
    Split split = written.split();
    RowCounts counts = written.counts();
    if (written.quarantines()) {
      // Quarantine first: if the table's commit then failed, a rejected row would be in both
      // places until the re-run, never in neither.
      Dataset<Row> bad =
          split.bad() != null
              ? split.bad()
              : split.good().rows().limit(0).withColumn(Quarantine.FAILED_RULES, array().cast("array<string>"));
      Quarantine.replace(
          session, run.ctx().warehouse().quarantinePath(table.name()), table.partitionColumn(),
          split.good().dateTyped(), partition, bad, counts.quarantined(), run.runId(), run.ctx().clock().instant());
    }
    PartitionWrite good = split.good();
    DeltaTables.Commit commit = run.ctx().steps().run("commit", table.name(), good::commit);
    BuildMetrics metrics = split.metrics().withWrites(commit.files(), commit.bytes());
    List<String> warnings = new ArrayList<>();
    run.afterCommit(table, commit, warnings, "cleanup", "delete its staging folder " + staging, () -> run.ctx().files().delete(staging));
    run.register(table, commit, warnings);
    for (Map.Entry<String, List<HadoopFiles.FileInfo>> e : inputs.landed().entrySet()) {
      // Without this record the next incremental run ingests the partition again: the same rows, replaced.
      run.afterCommit(table, commit, warnings, "record-files", "record in the ledger the landing files of " + e.getKey() + " it read",
          () -> Retrier.run(Retrier.BOOKKEEPING, "record the files of " + e.getKey() + " " + partition,
              () -> run.ledger().filesIngested(run.runId(), run.pipeline().name(), e.getKey(), table.name(), partition, e.getValue(), run.ctx().clock().instant())));
    }
    String late = written.lateNote(partition);
    if (late != null) {
      warnings.add(late);
    }
    return run.result(table, partition, BuildStatus.PUBLISHED, counts, commit.version(), start, gate, String.join("; ", warnings), metrics);
  }

  /** Blocked: the write is given up, its rows kept for inspection; the table and its quarantine are untouched. */
  TableBuildResult abort(TableDefinition table, Partition partition, Written written, GateResult gate, String staging, Instant start) {
    try {
      written.split().good().abort(staging + "/output");
    } catch (RuntimeException e) {
      // The verdict stands: unpublished files are invisible to readers, and VACUUM removes them.
    }
    return run.result(table, partition, BuildStatus.BLOCKED, written.counts(), -1, start, gate,
        BuildGate.blockedBy(gate) + "; the rows it checked are at " + staging
            + (written.late().isEmpty() ? "" : "; " + written.lateNote(partition)), written.split().metrics());
  }
}

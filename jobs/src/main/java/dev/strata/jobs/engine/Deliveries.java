package dev.strata.jobs.engine;

import dev.strata.api.Options;
import dev.strata.api.Partition;
import dev.strata.api.Sink;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.OutputSpec;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.extension.Extensions;
import dev.strata.jobs.io.DeltaTables;
import dev.strata.jobs.io.Partitions;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.output.Checkpointed;
import dev.strata.jobs.run.DeliveryResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A run's deliveries: once a table partition is published, each of the table's outputs receives
 * it, as that commit published it. Each delivery is a unit of its own: retried with the table's
 * retry policy when it fails transiently, every attempt recorded in the ledger; one that fails
 * leaves the table published and makes the run exit 4, and {@code strata run --resume RUN}
 * delivers it again without building anything.
 */
final class Deliveries {
  private final EngineContext ctx;
  private final Pipeline pipeline;
  private final String runId;
  private final Ledger ledger;
  private final RunPrinter printer;
  private final List<DeliveryResult> results = Collections.synchronizedList(new ArrayList<>());

  Deliveries(EngineContext ctx, Pipeline pipeline, String runId, Ledger ledger, RunPrinter printer) {
    this.ctx = ctx;
    this.pipeline = pipeline;
    this.runId = runId;
    this.ledger = ledger;
    this.printer = printer;
  }

  /** Every delivery's last attempt so far, in the order they ended. */
  List<DeliveryResult> results() {
    synchronized (results) {
      return List.copyOf(results);
    }
  }

  /**
   * Delivers a published partition to each of the table's outputs (or only to {@code only}, if not
   * null), as the Delta table's version {@code version} holds it.
   */
  void deliver(TableDefinition table, Partition partition, long version, java.util.Set<String> only) {
    for (OutputSpec output : table.outputs()) {
      if (only != null && !only.contains(output.name())) {
        continue;
      }
      if (output.whenSet() != null && (ctx.env().get(output.whenSet()) == null || ctx.env().get(output.whenSet()).isBlank())) {
        if (unset.add(table.name() + "." + output.name())) {
          ctx.out().printf("  Note: output %s.%s (%s) is not delivered here: $%s is not set (when_set); set it, or pass an --env-file"
              + " that does, to deliver it.%n", table.name(), output.name(), output.sink(), output.whenSet());
        }
        continue;
      }
      results.add(withRetries(table, partition, version, output));
    }
  }

  /** The outputs this run said it does not deliver (their when_set variable is not set), said once each. */
  private final java.util.Set<String> unset = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private DeliveryResult withRetries(TableDefinition table, Partition partition, long version, OutputSpec output) {
    var policy = table.retry();
    DeliveryResult last = Retrier.attempts(
        policy,
        attempt -> once(table, partition, version, output).withAttempt(attempt),
        r -> !r.delivered() && r.retryable(),
        (failed, attempt, wait) -> {
          DeliveryResult noted = failed.withMessage(failed.message() + " [transient; attempt " + attempt + " of " + policy.maxAttempts()
              + ", retrying in " + dev.strata.jobs.definition.Durations.format(wait) + "]");
          record(noted);
          printer.delivery(noted);
        });
    record(last);
    printer.delivery(last);
    return last;
  }

  /** One attempt: the sink receives the partition's rows at {@code version}. */
  private DeliveryResult once(TableDefinition table, Partition partition, long version, OutputSpec output) {
    Instant start = ctx.clock().instant();
    try {
      Sink sink = Extensions.SINKS.named(output.sink())
          .orElseThrow(() -> new IllegalStateException("sink '" + output.sink() + "' is no longer on the classpath"));
      String path = ctx.warehouse().tablePath(table.layer(), table.name());
      Dataset<Row> rows = partitionAt(path, version, table, partition);
      if (sink.appends()) {
        // A sink that can only add: never the same version twice, and of a new version only the
        // rows the version it last received did not have.
        java.util.OptionalLong sent = ledger.lastDeliveredVersion(pipeline.name(), table.name(), partition, output.name());
        if (sent.isPresent() && sent.getAsLong() >= version) {
          return new DeliveryResult(table.name(), partition, output.name(), output.sink(), true, 0,
              "version " + version + " was sent already", version, 1, Duration.between(start, ctx.clock().instant()), "", false);
        }
        Dataset<Row> had = sent.isPresent() ? partitionAt(path, sent.getAsLong(), table, partition) : null;
        // (A version that gained columns since is sent whole: its rows are not the ones sent.)
        if (had != null && java.util.Arrays.asList(had.columns()).containsAll(java.util.Arrays.asList(rows.columns()))) {
          rows = rows.exceptAll(had.select(java.util.Arrays.stream(rows.columns()).map(org.apache.spark.sql.functions::col)
              .toArray(org.apache.spark.sql.Column[]::new)));
        }
      }
      Sink.Delivery delivery = new Sink.Delivery(table.name(), partition, table.unpartitioned() ? null : table.partitionColumn(), rows,
          version, runId, ctx.warehouse().root(), ctx.env(), pipeline.definition().folder().toString());
      Options options = Options.of(output.options(), output.where() + ".options");
      Sink.Receipt receipt = sink instanceof Checkpointed c
          ? c.deliver(delivery, options, step -> ctx.steps().run(step, table.name(), () -> {}))
          : sink.deliver(delivery, options);
      return new DeliveryResult(table.name(), partition, output.name(), output.sink(), true, receipt.rows(), receipt.target(), version, 1,
          Duration.between(start, ctx.clock().instant()), "", false);
    } catch (RuntimeException e) {
      boolean transientFailure = Transience.isTransient(e);
      String message = "could not deliver " + table.name() + " " + partition + " to output '" + output.name() + "' (" + output.sink()
          + "): " + (e instanceof dev.strata.jobs.output.PostgresSink.DeliveryException ? e.getMessage() : Errors.rootMessage(e));
      return new DeliveryResult(table.name(), partition, output.name(), output.sink(), false, -1, "", version, 1,
          Duration.between(start, ctx.clock().instant()), message, transientFailure);
    }
  }

  /** A table's partition as Delta version {@code version} holds it (the whole table, unpartitioned). */
  private Dataset<Row> partitionAt(String path, long version, TableDefinition table, Partition partition) {
    Dataset<Row> all = ctx.spark().read().format("delta").option("versionAsOf", version).load(path);
    return table.unpartitioned() ? all : all.where(Partitions.equalTo(all.schema(), table.partitionColumn(), partition));
  }

  /** Records an attempt in the ledger, retrying the ledger write itself if it fails transiently. */
  private void record(DeliveryResult d) {
    Retrier.run(Retrier.BOOKKEEPING, "record the delivery of " + d.table() + " " + d.partition() + " to " + d.output() + " in the ledger",
        () -> ctx.steps().run("record-delivery", d.table(), () -> ledger.deliveryFinished(runId, pipeline.name(), d, ctx.clock().instant())));
  }

  /** The latest published version of a table, for delivering a partition again without building it. */
  long latestVersion(TableDefinition table) {
    return DeltaTables.version(ctx.spark(), ctx.warehouse().tablePath(table.layer(), table.name()));
  }
}

package dev.strata.jobs.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.run.Incident;
import dev.strata.jobs.run.Incidents;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.quality.RuleResult;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The machine-readable quality report of a run ({@code _strata/reports/<run_id>/quality.json}):
 * the run, a summary of rule outcomes, each table build, and each rule's result with the metric
 * values it was decided on.
 */
public final class QualityReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private QualityReport() {}

  public static String json(RunResult run) {
    return json(run, null);
  }

  /**
   * The report.
   *
   * @param definition the pipeline's definition folder: where rules are declared is shown relative to it (null: as recorded)
   */
  public static String json(RunResult run, java.nio.file.Path definition) {
    ObjectNode root = JSON.createObjectNode();
    root.put("run_id", run.runId());
    root.put("pipeline", run.pipeline());
    ArrayNode partitions = root.putArray("partitions");
    run.partitions().forEach(p -> partitions.add(p.toString()));
    root.put("started_at", run.startedAt().toString());
    root.put("ended_at", run.endedAt().toString());
    root.put("status", run.status().name());
    root.put("exit_code", run.exitCode());
    // What a reader needs first: each unpublished table partition, its cause, and what to run next.
    ArrayNode incidents = root.putArray("incidents");
    for (Incident i : run.incidents()) {
      ObjectNode n = incidents.addObject();
      n.put("table", i.table());
      n.put("layer", i.layer().key());
      n.put("partition", i.partition().toString());
      n.put("status", i.status().name());
      n.put("headline", i.headline());
      if (i.rule() != null) {
        n.put("rule", i.rule());
      }
      n.put("cause", i.cause());
      if (i.declaredAt() != null) {
        n.put("declared_at", i.declaredAt());
      }
      i.samples().forEach(n.putArray("samples")::add);
      i.consequences().forEach(n.putArray("consequences")::add);
      i.notBuilt().forEach(n.putArray("not_built")::add);
      n.put("fix", i.fix());
      i.inspect().forEach(n.putArray("inspect")::add);
      n.put("rebuild", i.rebuild());
    }

    int total = 0;
    int passed = 0;
    int failed = 0;
    int warned = 0;
    ArrayNode tables = JSON.createArrayNode();
    ArrayNode rules = JSON.createArrayNode();
    for (TableBuildResult b : run.builds()) {
      ObjectNode t = tables.addObject();
      t.put("table", b.table());
      t.put("layer", b.layer().key());
      t.put("partition", b.partition().toString());
      t.put("status", b.status().name());
      if (b.counts().known()) {
        t.put("rows", b.rows());
        ObjectNode counts = t.putObject("counts");
        counts.put("in", b.counts().in());
        counts.put("published", b.counts().published());
        counts.put("quarantined", b.counts().quarantined());
        counts.put("filtered", b.counts().filtered());
        if (b.counts().filteredReason() != null) {
          counts.put("filtered_reason", b.counts().filteredReason());
        }
        ObjectNode byRule = counts.putObject("quarantined_by_rule");
        b.counts().quarantinedByRule().forEach(byRule::put);
      }
      if (b.deltaVersion() >= 0) {
        t.put("delta_version", b.deltaVersion());
      }
      if (b.metrics().known()) {
        ObjectNode metrics = t.putObject("metrics");
        ObjectNode nulls = metrics.putObject("null_counts");
        b.metrics().nullCounts().forEach(nulls::put);
        if (b.metrics().duplicateKeys() >= 0) {
          ArrayNode key = metrics.putArray("key");
          b.metrics().keyColumns().forEach(key::add);
          metrics.put("duplicate_keys", b.metrics().duplicateKeys());
        }
        if (b.metrics().filesWritten() >= 0) {
          metrics.put("files_written", b.metrics().filesWritten());
          metrics.put("bytes_written", b.metrics().bytesWritten());
        }
      }
      t.put("duration_ms", b.duration().toMillis());
      t.put("message", b.message());
      int position = 0;
      for (RuleResult r : b.gate().results()) {
        total++;
        if (r.passed()) {
          passed++;
        } else if (r.blocks()) {
          failed++;
        } else if (r.warns()) {
          warned++;
        }
        ObjectNode rule = rules.addObject();
        rule.put("table", b.table());
        rule.put("layer", b.layer().key());
        rule.put("partition", b.partition().toString());
        rule.put("rule", r.spec().text());
        rule.put("group", r.spec().group().key());
        // Causes first: position 0 is the rule that decided a blocked build.
        rule.put("position", position++);
        rule.put("outcome", r.outcome().name());
        ObjectNode observed = rule.putObject("observed");
        r.observed().forEach(observed::put);
        rule.put("message", r.message());
        if (!r.samples().isEmpty()) {
          r.samples().forEach(rule.putArray("samples")::add);
        }
        rule.put("declared_at", Incidents.relative(r.spec().origin(), definition));
      }
    }
    ObjectNode summary = root.putObject("summary");
    summary.put("total", total);
    summary.put("passed", passed);
    summary.put("failed", failed);
    summary.put("warned", warned);
    summary.put(
        "pass_rate",
        total == 0
            ? BigDecimal.valueOf(100)
            : BigDecimal.valueOf(passed * 100.0 / total).setScale(1, RoundingMode.HALF_UP));
    root.set("tables", tables);
    root.set("rules", rules);
    ArrayNode deliveries = root.putArray("deliveries");
    for (dev.strata.jobs.run.DeliveryResult d : run.deliveries()) {
      ObjectNode o = deliveries.addObject();
      o.put("table", d.table());
      o.put("partition", d.partition().toString());
      o.put("output", d.output());
      o.put("sink", d.sink());
      o.put("status", d.status());
      if (d.delivered()) {
        o.put("rows", d.rows());
        o.put("target", d.target());
      }
      o.put("delta_version", d.deltaVersion());
      o.put("attempt", d.attempt());
      o.put("duration_ms", d.duration().toMillis());
      o.put("message", d.message());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write the quality report", e);
    }
  }
}

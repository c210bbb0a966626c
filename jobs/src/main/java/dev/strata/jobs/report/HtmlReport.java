package dev.strata.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A run's report as one self-contained HTML page (inline CSS and SVG, no network): the pipeline
 * graph with each table coloured by its outcome, then per table its partitions' counts, metrics,
 * rules and their results, quarantine reasons with sample rows, durations, and the trend of its row
 * counts over recent partitions.
 *
 * <p>It is rendered from the JSON report (what the run decided) plus what only the warehouse
 * knows afterwards (the trend from the ledger, the quarantined rows); the JSON report stays the
 * machine-readable form.
 */
public final class HtmlReport {
  /** Outcome colours; an outcome the page does not know is grey. */
  private static final Map<BuildStatus, String> COLOURS =
      Map.of(
          BuildStatus.PUBLISHED, "#2e7d32", BuildStatus.BLOCKED, "#c62828", BuildStatus.FAILED, "#8e0000", BuildStatus.NOT_READY, "#ef6c00",
          BuildStatus.SKIPPED, "#9e9e9e", BuildStatus.LOCKED, "#6a1b9a", BuildStatus.INVALID, "#8e0000");
  /** Worst first, as {@link BuildStatus#severity} ranks them: a table built for several partitions takes the colour of its worst outcome. */
  private static final List<BuildStatus> SEVERITY =
      java.util.Arrays.stream(BuildStatus.values()).sorted(java.util.Comparator.comparingInt(BuildStatus::severity).reversed()).toList();
  private static final int NODE_W = 180;
  private static final int NODE_H = 40;
  private static final int COL_W = 225;
  private static final int ROW_H = 62;

  /**
   * A node of the graph and what it reads.
   *
   * @param name table or source name
   * @param kind source, bronze, silver or gold
   * @param inputs what it reads
   */
  public record Node(String name, String kind, List<String> inputs) {}

  /**
   * A quarantined row.
   *
   * @param reasons the rules it failed
   * @param row the row (its raw line if it could not be parsed)
   */
  public record Sample(List<String> reasons, String row) {}

  private HtmlReport() {}

  /**
   * The page.
   *
   * @param report the run's JSON report
   * @param graph the pipeline's sources and tables (empty: the graph shows the run's tables only)
   * @param trend per table, published row counts of its recent accepted partitions
   * @param samples per {@code "table partition"}, some quarantined rows
   */
  public static String render(JsonNode report, List<Node> graph, Map<String, SortedMap<Partition, Long>> trend, Map<String, List<Sample>> samples) {
    Map<String, List<JsonNode>> builds = new LinkedHashMap<>();
    report.path("tables").forEach(t -> builds.computeIfAbsent(t.path("table").asText(), k -> new ArrayList<>()).add(t));
    Map<String, List<JsonNode>> rules = new HashMap<>();
    report.path("rules").forEach(r -> rules.computeIfAbsent(r.path("table").asText() + " " + r.path("partition").asText(), k -> new ArrayList<>()).add(r));
    List<Node> nodes = graph.isEmpty() ? builds.keySet().stream().map(n -> new Node(n, builds.get(n).get(0).path("layer").asText(), List.of())).toList() : graph;

    StringBuilder h = new StringBuilder();
    String title = "Strata run " + report.path("run_id").asText() + " — " + report.path("pipeline").asText();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n<style>")
        .append("body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px 32px;color:#212121;background:#fafafa}")
        .append("h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}")
        .append("h3{font-size:15px;margin:16px 0 6px}.muted{color:#757575}.pill{display:inline-block;border-radius:10px;padding:1px 9px;color:#fff;font-size:12px;font-weight:600}")
        // Headers, numbers, dates and outcomes never wrap; prose wraps between words, and a long path anywhere.
        .append("table{border-collapse:collapse;margin:6px 0 12px;background:#fff}td,th{border:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:break-word}")
        .append("th{background:#f0f0f0;font-weight:600;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}")
        .append("td.nowrap,.pill{white-space:nowrap}td.wrap{overflow-wrap:anywhere;min-width:14em}")
        .append(".incident{background:#fff;border:1px solid #e0e0e0;border-left:5px solid #c62828;border-radius:6px;padding:8px 16px;margin:10px 0}")
        .append(".incident p{margin:4px 0}.incident ul{margin:4px 0 4px 18px;padding:0}.cmd{display:block;overflow-wrap:anywhere;margin:2px 0}")
        .append(".graph{overflow-x:auto;max-width:100%;border:1px solid #eceff1;border-radius:6px;background:#fff}")
        .append("tr.FAILED td,tr.ERROR td{background:#ffebee}tr.WARNED td{background:#fff8e1}.section{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:8px 16px;margin:12px 0}")
        .append("code{background:#f5f5f5;padding:0 3px;border-radius:3px}.legend span{margin-right:14px}svg text{font:13px system-ui,sans-serif}")
        .append("</style></head><body>\n");
    String status = report.path("status").asText();
    h.append("<h1>").append(esc(title)).append("</h1>\n<p class=\"muted\">")
        .append(esc(status)).append(" (exit ").append(report.path("exit_code").asInt()).append(") · partitions ")
        .append(esc(join(report.path("partitions")))).append(" · started ").append(esc(report.path("started_at").asText()))
        .append(" · ended ").append(esc(report.path("ended_at").asText())).append("</p>\n");
    JsonNode summary = report.path("summary");
    h.append("<p>Rules: ").append(summary.path("total").asInt()).append(" evaluated, ").append(summary.path("passed").asInt())
        .append(" passed, <b>").append(summary.path("failed").asInt()).append(" failed</b>, ").append(summary.path("warned").asInt())
        .append(" warned (pass rate ").append(summary.path("pass_rate").asText()).append("%).</p>\n");

    h.append(incidents(report));
    h.append("<h2>Pipeline</h2>\n<div class=\"graph\" id=\"graph-box\">").append(graph(nodes, builds)).append("</div>\n");
    h.append("<p class=\"legend\">");
    for (BuildStatus s : SEVERITY) {
      h.append("<span><span class=\"pill\" style=\"background:").append(COLOURS.get(s)).append("\">").append(s).append("</span></span>");
    }
    h.append("<span><span class=\"pill\" style=\"background:#cfd8dc;color:#37474f\">not in this run</span></span></p>\n");

    for (Map.Entry<String, List<JsonNode>> e : builds.entrySet()) {
      String table = e.getKey();
      h.append("<div class=\"section\" id=\"table-").append(esc(table)).append("\"><h2>").append(esc(table)).append(" <span class=\"muted\">")
          .append(esc(e.getValue().get(0).path("layer").asText())).append("</span></h2>\n");
      h.append("<table><tr><th>partition</th><th>status</th><th>in</th><th>published</th><th>quarantined</th><th>filtered</th>")
          .append("<th>duplicate keys</th><th>files / bytes written</th><th>duration</th><th>version</th><th>message</th></tr>\n");
      for (JsonNode b : e.getValue()) {
        JsonNode c = b.path("counts");
        JsonNode m = b.path("metrics");
        h.append("<tr><td class=\"nowrap\">").append(esc(b.path("partition").asText())).append("</td><td>").append(pill(b.path("status").asText()))
            .append("</td>").append(num(c.path("in"))).append(num(c.path("published"))).append(num(c.path("quarantined")))
            .append(num(c.path("filtered"))).append(num(m.path("duplicate_keys")))
            .append("<td class=\"num\">").append(m.has("files_written") ? m.path("files_written").asLong() + " / " + bytes(m.path("bytes_written").asLong()) : "")
            .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%.1f s", b.path("duration_ms").asLong() / 1000.0))
            .append("</td>").append(num(b.path("delta_version"))).append("<td class=\"wrap\">").append(esc(b.path("message").asText())).append("</td></tr>\n");
      }
      h.append("</table>\n");
      for (JsonNode b : e.getValue()) {
        String partition = b.path("partition").asText();
        List<JsonNode> rs = rules.getOrDefault(table + " " + partition, List.of());
        if (!rs.isEmpty()) {
          h.append("<h3>Rules, ").append(esc(partition)).append("</h3>\n<table class=\"rules\"><tr><th>rule</th><th>group</th><th>outcome</th>")
              .append("<th>observed vs expected</th><th>rows that show it</th><th>declared at</th></tr>\n");
          // In the report's order: the rule that decided first, then what it made impossible to evaluate.
          for (JsonNode r : rs) {
            String outcome = r.path("outcome").asText();
            String row = outcome.equals("FAILED") && r.path("group").asText().equals("warn") ? "WARNED" : outcome;
            List<String> shown = new ArrayList<>();
            r.path("samples").forEach(x -> shown.add(x.asText()));
            h.append("<tr class=\"").append(row).append("\"><td><code>").append(esc(r.path("rule").asText())).append("</code></td><td>")
                .append(esc(r.path("group").asText())).append("</td><td class=\"nowrap\">").append(esc(row.replace('_', ' ')))
                .append("</td><td class=\"wrap\" title=\"").append(esc(observed(r.path("observed")))).append("\">")
                .append(esc(r.path("message").asText())).append("</td><td class=\"wrap\">").append(esc(String.join("; ", shown)))
                .append("</td><td class=\"muted wrap\">").append(esc(r.path("declared_at").asText())).append("</td></tr>\n");
          }
          h.append("</table>\n");
        }
        JsonNode byRule = b.path("counts").path("quarantined_by_rule");
        if (byRule.size() > 0) {
          h.append("<h3>Quarantined, ").append(esc(partition)).append("</h3>\n<table><tr><th>reason</th><th>rows</th></tr>\n");
          byRule.fields().forEachRemaining(r -> h.append("<tr><td>").append(esc(r.getKey())).append("</td>").append(num(r.getValue())).append("</tr>\n"));
          h.append("</table>\n");
          List<Sample> rows = samples.getOrDefault(table + " " + partition, List.of());
          if (!rows.isEmpty()) {
            h.append("<table class=\"samples\"><tr><th>sample row</th><th>failed rules</th></tr>\n");
            for (Sample s : rows) {
              h.append("<tr><td><code>").append(esc(s.row())).append("</code></td><td>").append(esc(String.join("; ", s.reasons()))).append("</td></tr>\n");
            }
            h.append("</table>\n");
          }
        }
        JsonNode nulls = b.path("metrics").path("null_counts");
        List<String> withNulls = new ArrayList<>();
        nulls.fields().forEachRemaining(n -> {
          if (n.getValue().asLong() > 0) {
            withNulls.add(n.getKey() + " " + n.getValue().asLong());
          }
        });
        if (!withNulls.isEmpty()) {
          h.append("<p class=\"muted\">Nulls, ").append(esc(partition)).append(": ").append(esc(String.join(", ", withNulls))).append("</p>\n");
        }
      }
      h.append(deliveries(report, table));
      SortedMap<Partition, Long> t = trend.getOrDefault(table, new TreeMap<>());
      if (!t.isEmpty()) {
        h.append("<h3>Rows published, recent partitions</h3>\n").append(sparkline(table, t)).append('\n');
      }
      h.append("</div>\n");
    }
    // Written by the browser: how many graph nodes and failed rules it rendered (a check for tests
    // and a one-line summary for readers).
    // The layout as the browser laid it out, on the page's body (data-graph: fits, scrolls in its box, or
    // cut; data-broken-headers: header words split across lines), for the browser test to read.
    h.append("<p id=\"rendered\" class=\"muted\"></p>\n<script>(function(){var n=document.querySelectorAll('svg#graph g.node').length;")
        .append("var f=document.querySelectorAll('table.rules tr.FAILED, table.rules tr.ERROR').length;")
        .append("document.getElementById('rendered').textContent='Rendered: '+n+' graph nodes, '+f+' failed rules.';")
        .append("var box=document.getElementById('graph-box'),page=document.documentElement,vw=page.clientWidth;")
        .append("var out=0;document.querySelectorAll('svg#graph g.node rect').forEach(function(r){var b=r.getBoundingClientRect();if(b.left<0||b.right>vw)out++;});")
        .append("var scrolls=box.scrollWidth>box.clientWidth+1;")
        .append("document.body.setAttribute('data-graph',out==0?'fits':(scrolls&&page.scrollWidth<=vw+1?'scrolls':'cut'));")
        .append("var broken=[];document.querySelectorAll('th').forEach(function(th){var t=th.firstChild;if(!t||t.nodeType!==3)return;")
        .append("var words=t.data.split(' '),at=0;words.forEach(function(w){var g=document.createRange();g.setStart(t,at);g.setEnd(t,at+w.length);")
        .append("var top=new Set();Array.from(g.getClientRects()).forEach(function(c){top.add(Math.round(c.top));});if(top.size>1)broken.push(w);at+=w.length+1;});});")
        .append("document.body.setAttribute('data-broken-headers',broken.join(','));")
        .append("document.body.setAttribute('data-page-overflow',page.scrollWidth>vw+1?'yes':'no');})();</script>\n");
    h.append("</body></html>\n");
    return h.toString();
  }

  /** The run's outcome at a glance: each table partition it left unpublished, its cause first, and what to run next. */
  private static String incidents(JsonNode report) {
    StringBuilder h = new StringBuilder("<h2>What happened</h2>\n");
    JsonNode incidents = report.path("incidents");
    if (!incidents.isArray()) {
      return h.append("<p class=\"muted\">This report was written before reports named root causes; see the rules below.</p>\n").toString();
    }
    if (incidents.isEmpty()) {
      return h.append("<p id=\"outcome\">Every table partition of the run was published.</p>\n").toString();
    }
    h.append("<p id=\"outcome\">").append(incidents.size()).append(" table partition").append(incidents.size() == 1 ? " was" : "s were")
        .append(" not published; each keeps its previously published rows.</p>\n");
    for (JsonNode i : incidents) {
      h.append("<div class=\"incident\" data-table=\"").append(esc(i.path("table").asText())).append("\"><p><b>")
          .append(esc(i.path("table").asText())).append("</b> ").append(esc(i.path("partition").asText())).append(' ')
          .append(pill(i.path("status").asText())).append(' ');
      if (i.has("rule")) {
        h.append("<code>").append(esc(i.path("rule").asText())).append("</code> failed: ");
      }
      h.append(esc(i.path("cause").asText())).append("</p>\n");
      if (i.path("samples").size() > 0) {
        h.append("<p>Rows that show it:</p><ul class=\"samples\">");
        i.path("samples").forEach(x -> h.append("<li><code>").append(esc(x.asText())).append("</code></li>"));
        h.append("</ul>\n");
      }
      i.path("consequences").forEach(c -> h.append("<p class=\"muted\">").append(esc(c.asText())).append("</p>\n"));
      if (i.path("not_built").size() > 0) {
        List<String> notBuilt = new ArrayList<>();
        i.path("not_built").forEach(x -> notBuilt.add(x.asText()));
        h.append("<p>Not built as a result: ").append(esc(String.join(", ", notBuilt))).append("</p>\n");
      }
      h.append("<p>Fix: ").append(esc(i.path("fix").asText())).append("</p>\n");
      i.path("inspect").forEach(c -> h.append("<code class=\"cmd\">").append(esc(c.asText())).append("</code>"));
      h.append("<p>Then rebuild:</p><code class=\"cmd rebuild\">").append(esc(i.path("rebuild").asText())).append("</code></div>\n");
    }
    return h.toString();
  }

  /** The graph as SVG: a column per depth (sources first), edges from each input to its reader. */
  private static String graph(List<Node> nodes, Map<String, List<JsonNode>> builds) {
    Map<String, Node> byName = new LinkedHashMap<>();
    nodes.forEach(n -> byName.put(n.name(), n));
    Map<String, Integer> depth = new HashMap<>();
    for (Node n : nodes) {
      depth(n.name(), byName, depth);
    }
    Map<Integer, List<String>> columns = new TreeMap<>();
    nodes.forEach(n -> columns.computeIfAbsent(depth.get(n.name()), d -> new ArrayList<>()).add(n.name()));
    Map<String, int[]> at = new HashMap<>();
    int rows = columns.values().stream().mapToInt(List::size).max().orElse(1);
    // Wide enough for the longest name and detail line (a 13px bold character is about 8px wide).
    int longest = nodes.stream().mapToInt(n -> Math.max(n.name().length(), n.kind().length() + 22)).max().orElse(0);
    int nodeW = Math.max(NODE_W, longest * 8 + 20);
    int colW = nodeW + COL_W - NODE_W;
    for (Map.Entry<Integer, List<String>> c : columns.entrySet()) {
      int offset = (rows - c.getValue().size()) * ROW_H / 2;
      for (int i = 0; i < c.getValue().size(); i++) {
        at.put(c.getValue().get(i), new int[] {20 + c.getKey() * colW, 20 + offset + i * ROW_H});
      }
    }
    int width = 40 + columns.size() * colW - (colW - nodeW);
    int height = 40 + rows * ROW_H;
    StringBuilder s = new StringBuilder();
    // Scaled to the page's width (a laptop shows every node), but never below 70%: a wider graph scrolls in its own box.
    s.append("<svg id=\"graph\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" style=\"display:block;width:100%;max-width:").append(width).append("px;min-width:").append(width * 7 / 10)
        .append("px;height:auto\" role=\"img\" aria-label=\"pipeline graph\">")
        .append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">")
        .append("<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#78909c\"/></marker></defs>");
    for (Node n : nodes) {
      int[] to = at.get(n.name());
      for (String input : n.inputs()) {
        int[] from = at.get(input);
        if (from == null) {
          continue;
        }
        int x1 = from[0] + nodeW;
        int y1 = from[1] + NODE_H / 2;
        int x2 = to[0];
        int y2 = to[1] + NODE_H / 2;
        int mid = (x1 + x2) / 2;
        s.append("<path class=\"edge\" d=\"M").append(x1).append(',').append(y1).append(" C").append(mid).append(',').append(y1).append(' ')
            .append(mid).append(',').append(y2).append(' ').append(x2).append(',').append(y2)
            .append("\" fill=\"none\" stroke=\"#90a4ae\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>");
      }
    }
    for (Node n : nodes) {
      int[] p = at.get(n.name());
      List<JsonNode> bs = builds.getOrDefault(n.name(), List.of());
      String outcome = worst(bs);
      boolean source = n.kind().equals("source");
      String fill = source ? "#eceff1" : outcome == null ? "#cfd8dc" : colour(outcome);
      String text = source || outcome == null ? "#37474f" : "#ffffff";
      long published = bs.stream().filter(b -> b.path("status").asText().equals("PUBLISHED")).count();
      String detail = source ? "source" : outcome == null ? n.kind() + " · not in this run" : n.kind() + " · " + (bs.size() == 1 ? outcome : published + "/" + bs.size() + " published");
      s.append("<g class=\"node\" data-table=\"").append(esc(n.name())).append("\" data-outcome=\"").append(outcome == null ? (source ? "SOURCE" : "NONE") : outcome)
          .append("\">").append(source ? "" : "<a href=\"#table-" + esc(n.name()) + "\">")
          .append("<title>").append(esc(n.name() + ": " + detail)).append("</title>")
          .append("<rect x=\"").append(p[0]).append("\" y=\"").append(p[1]).append("\" width=\"").append(nodeW).append("\" height=\"").append(NODE_H)
          .append("\" rx=\"7\" fill=\"").append(fill).append("\" stroke=\"#546e7a\" stroke-width=\"").append(source ? "1\" stroke-dasharray=\"4 3" : "1")
          .append("\"/><text x=\"").append(p[0] + 10).append("\" y=\"").append(p[1] + 17).append("\" fill=\"").append(text).append("\" font-weight=\"600\">")
          .append(esc(n.name())).append("</text><text x=\"").append(p[0] + 10).append("\" y=\"").append(p[1] + 33).append("\" fill=\"").append(text)
          .append("\" font-size=\"11\">").append(esc(detail)).append("</text>").append(source ? "" : "</a>").append("</g>");
    }
    return s.append("</svg>").toString();
  }

  private static int depth(String name, Map<String, Node> nodes, Map<String, Integer> depth) {
    Integer known = depth.get(name);
    if (known != null) {
      return known;
    }
    depth.put(name, 0);
    Node n = nodes.get(name);
    int d = 0;
    if (n != null) {
      for (String input : n.inputs()) {
        if (nodes.containsKey(input)) {
          d = Math.max(d, depth(input, nodes, depth) + 1);
        }
      }
    }
    depth.put(name, d);
    return d;
  }

  /** A table's deliveries to its outputs in this run, each attempt's outcome, or nothing if it has none. */
  private static String deliveries(JsonNode report, String table) {
    List<JsonNode> mine = new ArrayList<>();
    report.path("deliveries").forEach(d -> {
      if (d.path("table").asText().equals(table)) {
        mine.add(d);
      }
    });
    if (mine.isEmpty()) {
      return "";
    }
    StringBuilder h = new StringBuilder("<h3>Delivered to its outputs</h3>\n<table class=\"deliveries\"><tr><th>partition</th><th>output</th>")
        .append("<th>status</th><th>rows</th><th>to</th><th>attempt</th><th>duration</th><th>message</th></tr>\n");
    for (JsonNode d : mine) {
      h.append("<tr><td class=\"nowrap\">").append(esc(d.path("partition").asText())).append("</td><td>")
          .append(esc(d.path("output").asText() + " (" + d.path("sink").asText() + ")")).append("</td><td>")
          .append(deliveryPill(d.path("status").asText())).append("</td>").append(num(d.path("rows")))
          .append("<td class=\"wrap\">").append(esc(d.path("target").asText(""))).append("</td>").append(num(d.path("attempt")))
          .append("<td class=\"num\">").append(String.format(Locale.ROOT, "%.1f s", d.path("duration_ms").asLong() / 1000.0))
          .append("</td><td class=\"wrap\">").append(esc(d.path("message").asText(""))).append("</td></tr>\n");
    }
    return h.append("</table>\n").toString();
  }

  private static String deliveryPill(String status) {
    String colour = status.equals("DELIVERED") ? COLOURS.get(BuildStatus.PUBLISHED) : COLOURS.get(BuildStatus.FAILED);
    return "<span class=\"pill\" style=\"background:" + colour + "\">" + esc(status) + "</span>";
  }

  /** The colour of an outcome as the JSON report writes it; grey for one the page does not know. */
  private static String colour(String status) {
    return java.util.Arrays.stream(BuildStatus.values()).filter(s -> s.name().equals(status)).findFirst().map(COLOURS::get).orElse("#9e9e9e");
  }

  private static String worst(List<JsonNode> builds) {
    List<BuildStatus> statuses = new java.util.ArrayList<>();
    for (JsonNode b : builds) {
      try {
        statuses.add(BuildStatus.valueOf(b.path("status").asText()));
      } catch (IllegalArgumentException e) {
        return b.path("status").asText(); // a status this page does not know: shown as it is, in grey
      }
    }
    return statuses.isEmpty() ? null : BuildStatus.worst(statuses).name();
  }

  /** Row counts as a small bar chart, one bar per partition, newest right, labelled at both ends. */
  private static String sparkline(String table, SortedMap<Partition, Long> trend) {
    int bar = 16;
    int gap = 4;
    int chartH = 70;
    long max = Math.max(1, trend.values().stream().mapToLong(Long::longValue).max().orElse(1));
    int width = 60 + trend.size() * (bar + gap);
    StringBuilder s = new StringBuilder();
    s.append("<svg class=\"trend\" data-table=\"").append(esc(table)).append("\" width=\"").append(width)
        .append("\" height=\"").append(chartH + 34).append("\">");
    int i = 0;
    for (Map.Entry<Partition, Long> e : trend.entrySet()) {
      int h = (int) Math.max(1, Math.round((double) e.getValue() / max * chartH));
      int x = 50 + i++ * (bar + gap);
      s.append("<rect x=\"").append(x).append("\" y=\"").append(8 + chartH - h).append("\" width=\"").append(bar).append("\" height=\"").append(h)
          .append("\" fill=\"#5c6bc0\"><title>").append(e.getKey()).append(": ").append(String.format(Locale.ROOT, "%,d", e.getValue()))
          .append(" rows</title></rect>");
    }
    s.append("<text x=\"0\" y=\"16\" font-size=\"11\" fill=\"#757575\">").append(String.format(Locale.ROOT, "%,d", max)).append("</text>")
        .append("<text x=\"50\" y=\"").append(chartH + 26).append("\" font-size=\"11\" fill=\"#757575\">").append(trend.firstKey()).append("</text>")
        .append("<text x=\"").append(width - 70).append("\" y=\"").append(chartH + 26).append("\" font-size=\"11\" fill=\"#757575\">")
        .append(trend.lastKey()).append("</text></svg>");
    return s.toString();
  }

  private static String pill(String status) {
    return "<span class=\"pill\" style=\"background:" + colour(status) + "\">" + esc(status) + "</span>";
  }

  private static String num(JsonNode n) {
    return "<td class=\"num\">" + (n.isMissingNode() || n.isNull() ? "" : String.format(Locale.ROOT, "%,d", n.asLong())) + "</td>";
  }

  private static String bytes(long b) {
    return b < 1024 ? b + " B" : b < 1 << 20 ? String.format(Locale.ROOT, "%.1f KiB", b / 1024.0) : String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
  }

  private static String observed(JsonNode o) {
    List<String> parts = new ArrayList<>();
    o.fields().forEachRemaining(e -> {
      double v = e.getValue().asDouble();
      parts.add(e.getKey() + "=" + (v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v)));
    });
    return String.join(", ", parts);
  }

  private static String join(JsonNode array) {
    List<String> parts = new ArrayList<>();
    array.forEach(a -> parts.add(a.asText()));
    return parts.size() > 3 ? parts.get(0) + " … " + parts.get(parts.size() - 1) + " (" + parts.size() + ")" : String.join(", ", parts);
  }

  /** HTML-escapes text: everything on the page from data goes through here. */
  static String esc(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}

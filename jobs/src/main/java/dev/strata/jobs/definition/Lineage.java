package dev.strata.jobs.definition;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A pipeline's graph, or the part of it around one table, as text, Mermaid or Graphviz DOT.
 *
 * @param pipeline the pipeline
 * @param nodes the sources and tables shown, sources first then tables upstream before downstream
 */
public record Lineage(Pipeline pipeline, Set<String> nodes) {
  /** The whole graph. */
  public static Lineage of(Pipeline pipeline) {
    Set<String> all = new LinkedHashSet<>();
    pipeline.definition().sources().forEach(s -> all.add(s.name()));
    pipeline.tablesInOrder().forEach(t -> all.add(t.name()));
    return new Lineage(pipeline, all);
  }

  /** A table with what it reads (upstream, sources included) and/or what reads it (downstream). */
  public static Lineage around(Pipeline pipeline, String table, boolean upstream, boolean downstream) {
    Set<String> picked = new LinkedHashSet<>();
    picked.add(table);
    if (upstream) {
      picked.addAll(pipeline.upstreamOf(table));
      for (String t : new ArrayList<>(picked)) {
        pipeline.table(t).inputs().stream().filter(i -> !pipeline.isTable(i)).forEach(picked::add);
      }
    }
    if (downstream) {
      picked.addAll(pipeline.downstreamOf(table));
    }
    Set<String> ordered = new LinkedHashSet<>();
    of(pipeline).nodes().stream().filter(picked::contains).forEach(ordered::add);
    return new Lineage(pipeline, ordered);
  }

  private List<String[]> edges() {
    List<String[]> edges = new ArrayList<>();
    for (TableDefinition t : pipeline.tablesInOrder()) {
      if (nodes.contains(t.name())) {
        t.inputs().stream().filter(nodes::contains).forEach(i -> edges.add(new String[] {i, t.name()}));
      }
    }
    return edges;
  }

  private String kind(String node) {
    return pipeline.isTable(node) ? pipeline.table(node).layer().key() : "source";
  }

  /** One line per node: what it is and what it reads. */
  public String text() {
    StringBuilder out = new StringBuilder();
    for (String n : nodes) {
      out.append(String.format("%-28s %-7s", n, kind(n)));
      if (pipeline.isTable(n)) {
        List<String> reads = pipeline.table(n).inputs().stream().filter(nodes::contains).toList();
        if (!reads.isEmpty()) {
          out.append(" <- ").append(String.join(", ", reads));
        }
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** The impact of a table: what a bad partition of it reaches. */
  public String impact(String table) {
    Set<String> down = pipeline.downstreamOf(table);
    if (down.isEmpty()) {
      return "Impact of " + table + ": nothing reads it.\n";
    }
    return "Impact of " + table + ": " + down.size() + " table" + (down.size() == 1 ? "" : "s") + " downstream ("
        + down.stream().map(t -> t + " " + kind(t)).collect(Collectors.joining(", "))
        + "). A partition it does not publish is not built by them.\n";
  }

  public String mermaid() {
    StringBuilder out = new StringBuilder("graph LR\n");
    for (String n : nodes) {
      String id = id(n);
      out.append("  ").append(id).append(pipeline.isTable(n) ? "[\"" + n + "<br/>" + kind(n) + "\"]" : "[(\"" + n + "\")]").append('\n');
    }
    for (String[] e : edges()) {
      out.append("  ").append(id(e[0])).append(" --> ").append(id(e[1])).append('\n');
    }
    for (String n : nodes) {
      out.append("  class ").append(id(n)).append(' ').append(kind(n)).append('\n');
    }
    return out.toString();
  }

  public String dot() {
    StringBuilder out = new StringBuilder("digraph \"" + pipeline.name() + "\" {\n  rankdir=LR;\n");
    for (String n : nodes) {
      out.append("  \"").append(n).append("\" [")
          .append(pipeline.isTable(n) ? "shape=box, label=\"" + n + "\\n" + kind(n) + "\"" : "shape=cylinder")
          .append("];\n");
    }
    for (String[] e : edges()) {
      out.append("  \"").append(e[0]).append("\" -> \"").append(e[1]).append("\";\n");
    }
    return out.append("}\n").toString();
  }

  private static String id(String name) {
    return name.replaceAll("[^A-Za-z0-9_]", "_");
  }
}

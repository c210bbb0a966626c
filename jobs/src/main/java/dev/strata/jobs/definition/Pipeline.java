package dev.strata.jobs.definition;

import dev.strata.quality.CompiledRule;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated pipeline, ready to run: tables in dependency order, rules compiled, SQL read. Built
 * only by {@link PipelineValidator}.
 */
public final class Pipeline {
  private final PipelineDefinition definition;
  private final List<TableDefinition> order;
  private final Map<String, List<CompiledRule>> rules;
  private final Map<String, String> sql;

  Pipeline(
      PipelineDefinition definition,
      List<TableDefinition> order,
      Map<String, List<CompiledRule>> rules,
      Map<String, String> sql) {
    this.definition = definition;
    this.order = List.copyOf(order);
    this.rules = Map.copyOf(rules);
    this.sql = Map.copyOf(sql);
  }

  public String name() {
    return definition.name();
  }

  public PipelineDefinition definition() {
    return definition;
  }

  /** Every table, upstream before downstream (declaration order among independent tables). */
  public List<TableDefinition> tablesInOrder() {
    return order;
  }

  public TableDefinition table(String name) {
    return definition.table(name).orElseThrow(() -> new IllegalArgumentException("no table " + name));
  }

  public boolean isTable(String name) {
    return definition.table(name).isPresent();
  }

  /** The compiled rules of a table, every group, the built-in not-empty rule included. */
  public List<CompiledRule> rules(String table) {
    return rules.getOrDefault(table, List.of());
  }

  /** The SQL text of a SQL table. */
  public String sql(String table) {
    return sql.get(table);
  }

  /** The tables that read {@code table}, directly or not. */
  public Set<String> downstreamOf(String table) {
    Set<String> found = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(table));
    while (!todo.isEmpty()) {
      String current = todo.pop();
      for (TableDefinition t : order) {
        if (t.inputs().contains(current) && found.add(t.name())) {
          todo.push(t.name());
        }
      }
    }
    return found;
  }

  /** The tables {@code table} reads, directly or not (sources excluded). */
  public Set<String> upstreamOf(String table) {
    Set<String> found = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(table));
    while (!todo.isEmpty()) {
      for (String input : table(todo.pop()).inputs()) {
        if (isTable(input) && found.add(input)) {
          todo.push(input);
        }
      }
    }
    return found;
  }

  /**
   * The tables a selection names: {@code t} the table alone, {@code t+} with everything downstream
   * of it, {@code +t} with everything upstream, {@code +t+} both.
   *
   * @throws dev.strata.api.StrataException.InvalidException for a table the pipeline lacks
   */
  public Set<String> select(List<String> selectors) {
    Set<String> selected = new LinkedHashSet<>();
    for (String raw : selectors) {
      String s = raw.strip();
      boolean up = s.startsWith("+");
      boolean down = s.endsWith("+") && s.length() > 1;
      String name = s.substring(up ? 1 : 0, s.length() - (down ? 1 : 0));
      if (!isTable(name)) {
        String hint =
            order.stream().map(TableDefinition::name).filter(t -> PipelineValidator.distance(t, name) < 3).findFirst()
                .map(t -> " (did you mean '" + t + "'?)").orElse("");
        throw new dev.strata.api.StrataException.InvalidException(
            String.format(
                "Cannot select tables of %s: '%s' is not one of its tables%s. Tables: %s. Write T for a table alone,"
                    + " T+ with its downstream, +T with its upstream.",
                name(), name, hint, order.stream().map(TableDefinition::name).toList()),
            null);
      }
      if (up) {
        selected.addAll(upstreamOf(name));
      }
      selected.add(name);
      if (down) {
        selected.addAll(downstreamOf(name));
      }
    }
    return selected;
  }
}

package dev.strata.jobs.definition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Orders tables so that every table comes after the tables it reads. */
final class Dag {
  private Dag() {}

  /**
   * Tables in dependency order; independent tables keep their declaration order. Adds a problem
   * naming the cycle, e.g. {@code a -> b -> a}, if there is one.
   */
  static List<TableDefinition> order(List<TableDefinition> tables, List<Problem> problems) {
    Map<String, TableDefinition> byName = new LinkedHashMap<>();
    tables.forEach(t -> byName.put(t.name(), t));
    Map<String, Integer> state = new LinkedHashMap<>(); // 1 = visiting, 2 = done
    List<TableDefinition> order = new ArrayList<>();
    for (TableDefinition t : tables) {
      List<String> cycle = visit(t, byName, state, order, new ArrayList<>());
      if (cycle != null) {
        problems.add(
            new Problem(
                t.where() + " tables." + t.name() + ".inputs",
                "the tables form a cycle: " + String.join(" -> ", cycle)
                    + "; a table cannot depend on itself, directly or through others"));
        return List.of();
      }
    }
    return order;
  }

  private static List<String> visit(
      TableDefinition t,
      Map<String, TableDefinition> byName,
      Map<String, Integer> state,
      List<TableDefinition> order,
      List<String> path) {
    Integer s = state.get(t.name());
    if (s != null && s == 2) {
      return null;
    }
    if (s != null && s == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(t.name()), path.size()));
      cycle.add(t.name());
      return cycle;
    }
    state.put(t.name(), 1);
    path.add(t.name());
    for (String input : t.inputs()) {
      TableDefinition upstream = input.equals(t.name()) ? null : byName.get(input);
      if (upstream != null) {
        List<String> cycle = visit(upstream, byName, state, order, path);
        if (cycle != null) {
          return cycle;
        }
      }
    }
    path.remove(path.size() - 1);
    state.put(t.name(), 2);
    order.add(t);
    return null;
  }
}

package dev.strata.jobs.definition;

import java.util.Map;

/**
 * An output a table's definition delivers its published partitions to: {@code outputs: [{name:
 * NAME, sink: SINK, options: {...}}]}.
 *
 * @param name the output's name, unique within the table (its sink's name unless it gives one):
 *     what the ledger, the run's output and {@code strata status} call its deliveries
 * @param sink the name of a {@link dev.strata.api.Sink} on the classpath
 * @param options its parameters, as written
 * @param whenSet an environment variable that must be set for the output to be delivered (a
 *     database that belongs to an environment: production has it, a laptop may not), or null:
 *     always delivered. Where it is not set, each run says so once and delivers nothing to it.
 * @param where file:line and key path of the declaration
 */
public record OutputSpec(String name, String sink, Map<String, String> options, String whenSet, String where) {
  public OutputSpec {
    options = Map.copyOf(options);
  }
}

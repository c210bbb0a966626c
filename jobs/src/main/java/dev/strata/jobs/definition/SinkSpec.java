package dev.strata.jobs.definition;

import java.util.Map;

/**
 * A sink a table's definition delivers its published partitions to: {@code sinks: [{sink: NAME,
 * options: {...}}]}.
 *
 * @param sink the name of a {@link dev.strata.api.Sink} on the classpath
 * @param options its parameters, as written
 * @param where file:line and key path of the declaration
 */
public record SinkSpec(String sink, Map<String, String> options, String where) {
  public SinkSpec {
    options = Map.copyOf(options);
  }
}

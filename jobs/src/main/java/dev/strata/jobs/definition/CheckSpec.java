package dev.strata.jobs.definition;

import dev.strata.quality.RuleGroup;
import java.util.Map;

/**
 * A check a table's definition uses: {@code checks: [{check: NAME, level: error, options: {...}}]}.
 *
 * @param check the name of a {@link dev.strata.api.Check} on the classpath
 * @param level error, warn, or (a row-level check) quarantine
 * @param options its parameters, as written
 * @param where file:line and key path of the declaration
 */
public record CheckSpec(String check, RuleGroup level, Map<String, String> options, String where) {
  public CheckSpec {
    options = Map.copyOf(options);
  }
}

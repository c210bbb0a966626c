package dev.strata.jobs.definition;

import java.util.Map;

/**
 * A table's Java transform as its definition names it: {@code transform: com.example.T}, or with
 * parameters, {@code transform: {class: com.example.T, options: {key: value}}}.
 *
 * @param className a {@link dev.strata.api.TableTransform} class
 * @param options its parameters, as written (values are text)
 * @param where file:line of the declaration
 */
public record TransformSpec(String className, Map<String, String> options, String where) {
  public TransformSpec {
    options = Map.copyOf(options);
  }
}

package dev.strata.jobs.definition;

/**
 * One problem in a pipeline definition.
 *
 * @param where file:line and key path, e.g. {@code pipeline.yaml:42 tables.stg_customer.rules.error[1]}
 * @param message what is wrong and how to fix it
 */
public record Problem(String where, String message) {
  @Override
  public String toString() {
    return where + ": " + message;
  }
}

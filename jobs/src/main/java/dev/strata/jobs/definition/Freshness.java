package dev.strata.jobs.definition;

import java.time.Duration;

/**
 * How old the newest data of a source or table may get: above {@code warnAfter} the builds that
 * read it warn, above {@code errorAfter} they refuse to build (NOT_READY, exit 5); {@code strata
 * status} reports the same ages.
 *
 * @param column the event-time column whose newest value is the data's age (a source's newest
 *     landed partition, a table's newest published one), or null: a source's newest landing file,
 *     a table's latest publish
 * @param warnAfter warn above this age, or null
 * @param errorAfter refuse above this age, or null
 * @param where file:line and key path of the declaration
 */
public record Freshness(String column, Duration warnAfter, Duration errorAfter, String where) {
  /** What the age is measured on, for messages: "newest updated_at" or "newest file". */
  public String measure(boolean table) {
    return column != null ? "newest " + column : table ? "latest publish" : "newest landing file";
  }
}

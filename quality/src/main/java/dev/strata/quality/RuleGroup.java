package dev.strata.quality;

import java.util.Locale;

/** What a failing rule does to its table's build. */
public enum RuleGroup {
  /** A failure blocks publication of the table and everything downstream of it. */
  ERROR,
  /** A failure is reported; the table is published. */
  WARN,
  /** Row-level: rows failing the rule leave the table for its quarantine. */
  QUARANTINE;

  /** The key of this group in a pipeline definition. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}

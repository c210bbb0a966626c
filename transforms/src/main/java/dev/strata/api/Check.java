package dev.strata.api;

import org.apache.spark.sql.Column;

/**
 * A kind of check a table's gate runs on the rows a build would publish, beside its DQDL rules. A
 * table uses one with a level and options:
 *
 * <pre>{@code
 * checks:
 *   - {check: max_share, level: error, options: {column: balance, below: 0, at_most: 0.01}}
 * }</pre>
 *
 * A check is dataset-level ({@link #evaluate}: it observes the rows as a whole and passes or
 * fails) or row-level ({@link #failing}: a predicate; at level {@code quarantine} the rows it
 * rejects go to the table's quarantine with the check as their reason, at {@code error} or {@code
 * warn} it fails if any row does). Found through {@link java.util.ServiceLoader}: a jar adds its
 * checks with a line per class in {@code META-INF/services/dev.strata.api.Check}; each needs a
 * public no-argument constructor. Strata's own contracts (freshness, schema drift, volume, a
 * history's invariants) are checks too, and report the same way.
 */
public interface Check {
  /** Whether a check looks at the rows as a whole or at each row. */
  enum Scope {
    /** {@link #evaluate}: observes the rows as a whole. */
    DATASET,
    /** {@link #failing}: a predicate on each row. */
    ROW
  }

  /** The name a table's {@code checks:} gives it, e.g. {@code max_share}; unique among the checks on the classpath. */
  String name();

  default Scope scope() {
    return Scope.DATASET;
  }

  /**
   * What the check states with these options, as reports and the ledger name it, e.g. {@code
   * MaxShare "balance" < 0 <= 0.01}. Defaults to the name and the options.
   */
  default String describe(Options options) {
    return name() + (options.asMap().isEmpty() ? "" : " " + options.asMap());
  }

  /**
   * What the check states for one partition, where that differs (a volume compared with "the last 4
   * accepted Mondays"). Defaults to {@link #describe(Options)}.
   */
  default String describe(Options options, Partition partition) {
    return describe(options);
  }

  /**
   * Checks the options when the definition is validated: a missing or malformed option is then a
   * definition error with its file and line. Does nothing unless overridden.
   *
   * @throws IllegalArgumentException saying which option is wrong and how to fix it
   */
  default void validate(Options options) {}

  /** A dataset-level check's verdict on the rows a build would publish. */
  default CheckResult evaluate(CheckInput input, Options options) {
    throw new UnsupportedOperationException(name() + " is a row-level check: it has no dataset verdict");
  }

  /** A row-level check's predicate: true where a row fails it (null counts as passing). */
  default Column failing(CheckInput input, Options options) {
    throw new UnsupportedOperationException(name() + " is a dataset-level check: it has no row predicate");
  }
}

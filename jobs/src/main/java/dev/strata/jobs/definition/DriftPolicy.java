package dev.strata.jobs.definition;

import java.util.List;

/**
 * What a source accepts when the files that arrive differ from its declared schema (compared on
 * ingest, nested struct fields included).
 *
 * <ul>
 *   <li>A column (or nested field) the schema does not declare: {@link Added#ACCEPT} carries it
 *       into bronze and reports it (the default); {@link Added#QUARANTINE} rejects the lines of
 *       files that have it (CSV); {@link Added#BLOCK} blocks the build.
 *   <li>A declared column that is missing blocks the build, unless it is listed in {@code
 *       approvedRemovals}: then bronze gets it as null, and the report still names it.
 *   <li>A type that cannot be cast safely to the declared one (e.g. long to int, string to date in
 *       Parquet) blocks the build; a safe widening (int to long, float to double) is read as the
 *       declared type and reported.
 * </ul>
 *
 * @param added what an undeclared column does
 * @param approvedRemovals declared columns (dotted paths for nested fields) the producer may drop
 * @param where file:line of the declaration, or of the source when the policy is the default
 */
public record DriftPolicy(Added added, List<String> approvedRemovals, String where) {
  /** What an undeclared column does. */
  public enum Added {
    ACCEPT,
    QUARANTINE,
    BLOCK
  }

  public static DriftPolicy defaults(String where) {
    return new DriftPolicy(Added.ACCEPT, List.of(), where);
  }
}

package dev.strata.transforms.common;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;

/** Column expressions that standardize raw text values. Pure, null-safe. */
public final class Standardize {
  private Standardize() {}

  /**
   * A boolean from the usual spellings of a flag: Y/N, yes/no, 1/0, true/false (any case, trimmed).
   * Anything else, including null, becomes null so that a completeness rule can catch it.
   */
  public static Column flag(Column raw) {
    Column v = lower(trim(raw));
    return when(v.isin("y", "yes", "1", "true", "t"), lit(true))
        .when(v.isin("n", "no", "0", "false", "f"), lit(false))
        .otherwise(lit(null).cast(DataTypes.BooleanType));
  }

  /** Trimmed, lower-cased text; empty becomes null. */
  public static Column lowerText(Column raw) {
    Column v = lower(trim(raw));
    return when(v.equalTo(lit("")), lit(null).cast(DataTypes.StringType)).otherwise(v);
  }

  /** Trimmed text; empty becomes null. */
  public static Column text(Column raw) {
    Column v = trim(raw);
    return when(v.equalTo(lit("")), lit(null).cast(DataTypes.StringType)).otherwise(v);
  }

  /**
   * A decimal parsed from text; a value that does not parse becomes null (Spark's non-ANSI cast),
   * so that a completeness rule can catch it.
   */
  public static Column decimal(Column raw, int precision, int scale) {
    return trim(raw).cast(DataTypes.createDecimalType(precision, scale));
  }
}

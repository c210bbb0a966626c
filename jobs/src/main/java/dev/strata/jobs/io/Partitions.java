package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.strata.api.Partition;
import java.sql.Date;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The one place that turns a partition date into a filter or a Delta predicate. Partition columns
 * are DATE or STRING (ISO text); values always come from a parsed {@link Partition}, never from raw
 * user text.
 */
public final class Partitions {
  private Partitions() {}

  /** True if the partition column is DATE, false if STRING; anything else is not a partition column. */
  public static boolean isDate(DataType type) {
    return type.equals(DataTypes.DateType);
  }

  /** A filter selecting one partition, for a column of the given schema. */
  public static Column equalTo(StructType schema, String column, Partition partition) {
    return equalTo(isDate(schema.apply(column).dataType()), column, partition);
  }

  public static Column equalTo(boolean dateTyped, String column, Partition partition) {
    return col(column).equalTo(literal(dateTyped, partition));
  }

  /** The partition's value as a DATE or ISO-text literal. */
  public static Column literal(boolean dateTyped, Partition partition) {
    return dateTyped ? lit(Date.valueOf(partition.date())) : lit(partition.toString());
  }

  /** The same selection as a Delta replaceWhere predicate. */
  public static String predicate(boolean dateTyped, String column, Partition partition) {
    String literal = dateTyped ? "DATE'" + partition + "'" : "'" + partition + "'";
    return "`" + column + "` = " + literal;
  }
}

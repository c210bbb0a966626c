package dev.strata.jobs.write;

import dev.strata.api.Partition;
import java.util.Map;

/**
 * Where a partition write goes.
 *
 * @param table the table's name, for messages
 * @param path the Delta table's location
 * @param partitionColumn the column whose value is the partition
 * @param partition the partition written
 * @param mergeSchema whether the table takes the rows' new columns (a bronze table whose source
 *     gained one under an accepting drift policy); otherwise a schema change fails the commit
 * @param createWith the Delta table properties a write that creates the table sets (none when the
 *     table exists: a property changed since, with {@code ALTER TABLE ... SET TBLPROPERTIES}, stays)
 */
public record WriteTarget(
    String table, String path, String partitionColumn, Partition partition, boolean mergeSchema, Map<String, String> createWith) {
  public WriteTarget {
    createWith = Map.copyOf(createWith);
  }

  /** A target whose table, if this write creates it, has Delta's default properties. */
  public WriteTarget(String table, String path, String partitionColumn, Partition partition, boolean mergeSchema) {
    this(table, path, partitionColumn, partition, mergeSchema, Map.of());
  }
}

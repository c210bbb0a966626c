package dev.strata.jobs.write;

import dev.strata.api.Partition;

/**
 * Where a partition write goes.
 *
 * @param table the table's name, for messages
 * @param path the Delta table's location
 * @param partitionColumn the column whose value is the partition
 * @param partition the partition written
 * @param mergeSchema whether the table takes the rows' new columns (a bronze table whose source
 *     gained one under an accepting drift policy); otherwise a schema change fails the commit
 */
public record WriteTarget(String table, String path, String partitionColumn, Partition partition, boolean mergeSchema) {}

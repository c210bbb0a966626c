package dev.strata.api;

import java.util.Optional;
import java.util.SortedMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** What a {@link Check} sees of a build. */
public interface CheckInput {
  /** The table being built. */
  String table();

  /** The partition being built. */
  Partition partition();

  /**
   * The rows the build would publish: the transform's output less the rows the row-level rules
   * rejected (for a row-level check, every row of the output).
   */
  Dataset<Row> rows();

  /** How many rows {@link #rows()} holds, as counted when they were staged (no pass of its own). */
  long rowCount();

  /** One of the table's declared inputs, restricted to the partition. */
  Optional<Dataset<Row>> input(String name);

  /**
   * The rows each earlier partition of the table published, as the ledger records them (one value
   * per partition, from its latest build that passed its gate), oldest first: for checks that
   * compare a partition with the ones before it.
   */
  SortedMap<Partition, Long> publishedRows();
}

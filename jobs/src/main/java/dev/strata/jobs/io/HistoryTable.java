package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.strata.jobs.definition.TableDefinition.History;
import io.delta.tables.DeltaTable;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * An SCD2 history table: one row per version of each business key, with {@code valid_from}
 * (inclusive), {@code valid_to} (exclusive, null while current), {@code is_current}, {@code
 * is_deleted} and the hash of the tracked columns.
 *
 * <p>Applying the snapshot of partition D touches only the history's "tail" at D: versions still
 * open, closed at D, or opened at D. Applying D again therefore recomputes the same tail from the
 * state before D, which makes a re-run idempotent (and an unchanged one commit nothing).
 */
public final class HistoryTable {
  public static final String VALID_FROM = "valid_from";
  public static final String VALID_TO = "valid_to";
  public static final String IS_CURRENT = "is_current";
  public static final String IS_DELETED = "is_deleted";
  public static final String ROW_HASH = "_row_hash";

  private HistoryTable() {}

  private static Column date(LocalDate d) {
    return lit(Date.valueOf(d));
  }

  /** Versions the snapshot of {@code d} may change: open, or closed or opened at or after d. */
  public static Column tail(LocalDate d) {
    return tail("", d);
  }

  /** {@link #tail(LocalDate)} on the columns of a dataset alias ({@code "t."}). */
  private static Column tail(String alias, LocalDate d) {
    Column validTo = col(alias + VALID_TO);
    return validTo.isNull().or(validTo.geq(date(d))).or(col(alias + VALID_FROM).geq(date(d)));
  }

  /** The latest date the history has an event at (a version opened or closed), if any. */
  public static Optional<LocalDate> lastEvent(Dataset<Row> history) {
    Row r = history.agg(max(greatest(col(VALID_FROM), coalesce(col(VALID_TO), col(VALID_FROM))))).head();
    return r.isNullAt(0) ? Optional.empty() : Optional.of(r.getDate(0).toLocalDate());
  }

  /**
   * The new tail of the history after applying {@code snapshot} (the input's rows for {@code d},
   * the partition column dropped) to {@code history} (the table, or null for a new one).
   */
  public static Dataset<Row> applySnapshot(Dataset<Row> history, Dataset<Row> snapshot, History spec, LocalDate d) {
    List<String> columns = Arrays.asList(snapshot.columns());
    Dataset<Row> incoming = hashed(snapshot, spec);
    List<String> all = new ArrayList<>(columns);
    all.addAll(List.of(ROW_HASH, VALID_FROM, VALID_TO, IS_CURRENT, IS_DELETED));
    // The state just before d: versions opened before d that were still open then (current, or
    // closed at or after d). Everything the history says from d on is recomputed: applying an
    // earlier snapshot rolls the history back to it (the run must then apply the later ones).
    Dataset<Row> before =
        history == null
            ? incoming.limit(0).withColumn(VALID_FROM, date(d)).withColumn(VALID_TO, date(d)).withColumn(IS_CURRENT, lit(true)).withColumn(IS_DELETED, lit(false))
            : history.where(col(VALID_FROM).lt(date(d)).and(col(VALID_TO).isNull().or(col(VALID_TO).geq(date(d)))))
                .withColumn(VALID_TO, lit(null).cast("date")).withColumn(IS_CURRENT, lit(true)).withColumn(IS_DELETED, lit(false));
    Column joinKey = null;
    for (String k : spec.key()) {
      Column eq = col("b.`" + k + "`").eqNullSafe(col("s.`" + k + "`"));
      joinKey = joinKey == null ? eq : joinKey.and(eq);
    }
    Dataset<Row> joined = before.as("b").join(incoming.as("s"), joinKey, "full_outer");
    Column inBefore = col("b." + ROW_HASH).isNotNull();
    Column inSnapshot = col("s." + ROW_HASH).isNotNull();
    Column same = inBefore.and(inSnapshot).and(col("b." + ROW_HASH).equalTo(col("s." + ROW_HASH)));

    // Kept open: unchanged keys (and, without soft deletes, keys missing from the snapshot).
    Column keptOpen = spec.softDelete() ? same : same.or(inBefore.and(inSnapshot.unary_$bang()));
    Dataset<Row> kept = joined.where(keptOpen).select(all.stream().map(c -> col("b.`" + c + "`").as(c)).toArray(Column[]::new));
    // Closed at d: changed keys (their old version), and deleted keys when soft-deleting.
    Column closed = inBefore.and(inSnapshot).and(same.unary_$bang());
    Column deleted = inBefore.and(inSnapshot.unary_$bang());
    Dataset<Row> closedRows =
        joined.where(spec.softDelete() ? closed.or(deleted) : closed)
            .select(all.stream().map(c -> switch (c) {
              case VALID_TO -> date(d).as(c);
              case IS_CURRENT -> lit(false).as(c);
              case IS_DELETED -> inSnapshot.unary_$bang().as(c);
              default -> col("b.`" + c + "`").as(c);
            }).toArray(Column[]::new));
    // Opened at d: new keys and the new version of changed keys.
    Dataset<Row> opened =
        joined.where(inSnapshot.and(same.unary_$bang()))
            .select(all.stream().map(c -> switch (c) {
              case VALID_FROM -> date(d).as(c);
              case VALID_TO -> lit(null).cast("date").as(c);
              case IS_CURRENT -> lit(true).as(c);
              case IS_DELETED -> lit(false).as(c);
              default -> col("s.`" + c + "`").as(c);
            }).toArray(Column[]::new));
    return kept.unionByName(closedRows).unionByName(opened);
  }

  /** The snapshot with the hash of its tracked columns (every column but the key, unless declared). */
  public static Dataset<Row> hashed(Dataset<Row> snapshot, History spec) {
    List<String> tracked =
        spec.tracked().isEmpty() ? Arrays.stream(snapshot.columns()).filter(c -> !spec.key().contains(c)).toList() : spec.tracked();
    return snapshot.withColumn(ROW_HASH, sha2(to_json(struct(tracked.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new))), 256));
  }

  /**
   * Whether the history, as of {@code d}, already says what the snapshot says: the same keys with the
   * same tracked values. Applying the snapshot then changes nothing.
   */
  public static boolean agrees(Dataset<Row> history, Dataset<Row> snapshot, History spec, LocalDate d) {
    Column[] keyAndHash =
        java.util.stream.Stream.concat(spec.key().stream(), java.util.stream.Stream.of(ROW_HASH))
            .map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    // Equal as multisets, in one shuffle: each (key, hash) counted +1 per version said, -1 per row
    // now; any count left over is a difference. (Two exceptAll would shuffle both sides twice.)
    Dataset<Row> said = asOf(history, d).select(keyAndHash).withColumn("_n", lit(1));
    Dataset<Row> now = hashed(snapshot, spec).select(keyAndHash).withColumn("_n", lit(-1));
    return said.unionByName(now).groupBy(keyAndHash).agg(sum(col("_n")).as("_n")).where(col("_n").notEqual(0)).isEmpty();
  }

  /**
   * The history's invariants, counted over the whole history after the build: keys with more than
   * one current version, reversed or empty intervals, overlapping intervals.
   */
  public static Map<String, Long> violations(Dataset<Row> history, List<String> key) {
    Column[] keyCols = key.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    Row current =
        history.where(col(IS_CURRENT)).groupBy(keyCols).agg(count(lit(1)).as("n")).agg(sum(when(col("n").gt(1), 1).otherwise(0))).head();
    Row reversed = history.agg(sum(when(col(VALID_TO).isNotNull().and(col(VALID_TO).leq(col(VALID_FROM))), 1).otherwise(0))).head();
    Column previousTo = lag(col(VALID_TO), 1).over(Window.partitionBy(keyCols).orderBy(col(VALID_FROM)));
    Column previousExists = lag(col(VALID_FROM), 1).over(Window.partitionBy(keyCols).orderBy(col(VALID_FROM))).isNotNull();
    Row overlaps =
        history.withColumn("_prev_to", previousTo).withColumn("_prev", previousExists)
            .agg(sum(when(col("_prev").and(col("_prev_to").isNull().or(col("_prev_to").gt(col(VALID_FROM)))), 1).otherwise(0))).head();
    Map<String, Long> found = new LinkedHashMap<>();
    found.put("History.KeysWithSeveralCurrentVersions", current.isNullAt(0) ? 0L : current.getLong(0));
    found.put("History.ReversedIntervals", reversed.isNullAt(0) ? 0L : reversed.getLong(0));
    found.put("History.OverlappingIntervals", overlaps.isNullAt(0) ? 0L : overlaps.getLong(0));
    return found;
  }

  /**
   * Publishes the new tail in one Delta MERGE keyed by the business key and valid_from: versions
   * updated (closed), inserted (opened), and tail versions the new tail no longer has deleted.
   *
   * @return the commit
   */
  public static DeltaTables.Commit publish(SparkSession spark, String path, Dataset<Row> newTail, List<String> key, LocalDate d, boolean reset) {
    return DeltaTables.write(spark, path, () -> {
      if (reset || !DeltaTables.exists(spark, path)) {
        newTail.write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(path);
      } else {
        String on =
            String.join(" AND ", key.stream().map(k -> "t.`" + k + "` <=> s.`" + k + "`").toList()) + " AND t." + VALID_FROM + " = s." + VALID_FROM;
        DeltaTable.forPath(spark, path).as("t")
            .merge(newTail.as("s"), on)
            .whenMatched().updateAll()
            .whenNotMatched().insertAll()
            .whenNotMatchedBySource(tail("t.", d)).delete()
            .execute();
      }
      return DeltaTables.committed(spark, path);
    });
  }

  /** The current version of each key, deleted keys excluded (their last version is closed). */
  public static Dataset<Row> current(Dataset<Row> history) {
    return history.where(col(VALID_TO).isNull());
  }

  /** The history as of {@code d}: the version of each key valid that day, deleted keys excluded. */
  public static Dataset<Row> asOf(Dataset<Row> history, LocalDate d) {
    return history.where(col(VALID_FROM).leq(date(d)).and(col(VALID_TO).isNull().or(col(VALID_TO).gt(date(d)))));
  }
}

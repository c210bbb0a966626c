package dev.strata.jobs.write;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.AccumulatorV2;

/**
 * Rows set aside by the pass that writes the others: the filter that drops the rows a predicate
 * selects from a write hands each of them to this accumulator, which brings them to the driver
 * with the task results, up to a bound. A quarantine split writes the rows no rule rejected into
 * the table and gets the rejected ones from here, without computing the transform again or
 * staging every row. Past the bound ({@link #MAX_ROWS} rows, or about {@link #MAX_BYTES} of their
 * text) it keeps none and only counts them: the caller gets them another way.
 *
 * <p>Spark applies a task's accumulator updates once per partition of the job's last stage, which
 * is where the filter runs (above the write's observation, which no filter passes). The caller
 * still checks the rows against the count and checksum that observation made of the same rows.
 */
public final class SetAside extends AccumulatorV2<Row, SetAside.Held> {
  private static final long serialVersionUID = 1L;

  /** The Spark setting that bounds the rows set aside per write (default {@link #MAX_ROWS}). */
  public static final String MAX_ROWS_SETTING = "spark.strata.split.maxSetAsideRows";

  /** At most this many rows are set aside by default: a few MB on the driver for any usual row. */
  public static final int MAX_ROWS = 50_000;

  /** At most about this many bytes of the rows' text are set aside. */
  public static final long MAX_BYTES = 64L << 20;

  private final int maxRows;
  private Held held = new Held();

  private SetAside(int maxRows) {
    this.maxRows = maxRows;
  }

  /** What was set aside: the rows, or none and {@code full} past the bound; {@code seen} counts them all. */
  public static final class Held implements Serializable {
    private static final long serialVersionUID = 1L;
    private final ArrayList<Row> rows = new ArrayList<>();
    private long seen;
    private long bytes;
    private boolean full;

    /** The rows set aside; empty if there were more than the bound. */
    public Optional<List<Row>> rows() {
      return full ? Optional.empty() : Optional.of(java.util.Collections.unmodifiableList(rows));
    }

    /** Rows handed over, whether set aside or not. */
    public long seen() {
      return seen;
    }
  }

  /** A new accumulator of the session, bounded as the session says ({@link #MAX_ROWS_SETTING}). */
  public static SetAside register(SparkSession spark, String name) {
    SetAside aside = new SetAside(Integer.parseInt(spark.conf().get(MAX_ROWS_SETTING, String.valueOf(MAX_ROWS))));
    spark.sparkContext().register(aside, name);
    return aside;
  }

  /**
   * The predicate of the rows of {@code rows} to keep: those {@code selected} does not pick; each
   * one it picks is handed to this accumulator, with every column, as the filter drops it.
   */
  public Column keep(Dataset<Row> rows, Column selected) {
    SetAside aside = this;
    // Not deterministic to the optimizer: it is evaluated where it stands, once per row, never moved.
    UserDefinedFunction setAside = org.apache.spark.sql.functions.udf((UDF1<Row, Boolean>) row -> {
      aside.add(row);
      return true;
    }, DataTypes.BooleanType).asNondeterministic();
    Column[] all = java.util.Arrays.stream(rows.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
    // Only a selected row is turned into an object: CASE WHEN evaluates the branch it takes.
    return when(selected, not(setAside.apply(struct(all)))).otherwise(lit(true));
  }

  @Override
  public boolean isZero() {
    return held.seen == 0;
  }

  @Override
  public AccumulatorV2<Row, Held> copy() {
    SetAside copy = new SetAside(maxRows);
    copy.merge(this);
    return copy;
  }

  @Override
  public void reset() {
    held = new Held();
  }

  @Override
  public void add(Row row) {
    held.seen++;
    if (!held.full) {
      held.bytes += row.toString().length() * 2L;
      held.rows.add(row);
      overflow();
    }
  }

  @Override
  public void merge(AccumulatorV2<Row, Held> other) {
    Held o = other.value();
    held.seen += o.seen;
    if (held.full || o.full) {
      held.full = true;
      held.rows.clear();
      return;
    }
    held.rows.addAll(o.rows);
    held.bytes += o.bytes;
    overflow();
  }

  private void overflow() {
    if (held.rows.size() > maxRows || held.bytes > MAX_BYTES) {
      held.full = true;
      held.rows.clear();
      held.rows.trimToSize();
    }
  }

  @Override
  public Held value() {
    return held;
  }
}

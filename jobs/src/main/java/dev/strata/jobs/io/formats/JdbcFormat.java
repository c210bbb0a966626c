package dev.strata.jobs.io.formats;

import dev.strata.api.Options;
import dev.strata.api.Partition;
import dev.strata.api.SourceFormat;
import dev.strata.jobs.io.Jdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code format: jdbc}: a PostgreSQL table or query, read a partition at a time. Options:
 *
 * <ul>
 *   <li>{@code table} (a table or view), or {@code query} (a SELECT; {@code {start}} and {@code
 *       {end}} in it stand for the partition's bounds as timestamp literals);
 *   <li>{@code partition_by}: the column whose time says a row's partition: the partition's rows
 *       are those with {@code start <= partition_by < end} (with {@code table}, required unless
 *       {@code granularity: none}; with {@code query}, added around it);
 *   <li>{@code granularity}: {@code day} (default), {@code hour}, {@code month} or {@code none}
 *       (the whole table, every run);
 *   <li>{@code split_column} and {@code num_partitions}: read in that many parallel queries, each
 *       the rows whose split column hashes to it (no bounds query needed);
 *   <li>{@code change_marker}: a SQL aggregate whose value changes when a partition's rows do
 *       ({@code max(updated_at)}; default {@code count(*)}): an incremental run reads a partition
 *       again when it differs from the one recorded at its last ingestion;
 *   <li>the connection's ({@link Jdbc}).
 * </ul>
 *
 * Every row gets the partition it was read for as the reading table's partition column. A
 * connection refused or lost is transient (the build is retried); an SQL error is not.
 */
public final class JdbcFormat implements SourceFormat {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");
  private static final Set<String> OWN =
      Set.of("table", "query", "partition_by", "granularity", "split_column", "num_partitions", "change_marker");
  private static final DateTimeFormatter BOUND = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  @Override
  public String name() {
    return "jdbc";
  }

  @Override
  public boolean textual() {
    return false;
  }

  @Override
  public boolean readsFiles() {
    return false;
  }

  @Override
  public void validate(Map<String, String> values) {
    Options options = Options.of(values);
    for (String key : values.keySet()) {
      if (!OWN.contains(key) && !Jdbc.OPTIONS.contains(key)) {
        throw new IllegalArgumentException("unknown option '" + key + "' of a jdbc source; its options are "
            + new java.util.TreeSet<>(OWN) + " and the connection's " + new java.util.TreeSet<>(Jdbc.OPTIONS));
      }
    }
    boolean table = options.get("table").isPresent();
    if (table == options.get("query").isPresent()) {
      throw new IllegalArgumentException("give either table (a table or view) or query (a SELECT), not " + (table ? "both" : "neither"));
    }
    options.get("table").filter(t -> !NAME.matcher(t).matches()).ifPresent(t -> {
      throw new IllegalArgumentException("table: '" + t + "' is not a table name; write name or schema.name");
    });
    options.get("partition_by").filter(t -> !NAME.matcher(t).matches()).ifPresent(t -> {
      throw new IllegalArgumentException("partition_by: '" + t + "' is not a column name");
    });
    options.get("split_column").filter(t -> !NAME.matcher(t).matches()).ifPresent(t -> {
      throw new IllegalArgumentException("split_column: '" + t + "' is not a column name");
    });
    var g = Partition.Granularity.fromKey(options.get("granularity", "day"));
    if (g.isEmpty()) {
      throw new IllegalArgumentException("granularity: expected hour, day, month or none, found '" + options.get("granularity", "") + "'");
    }
    if (g.get() != Partition.Granularity.NONE && table && options.get("partition_by").isEmpty()) {
      throw new IllegalArgumentException("partition_by: which column says a row's " + g.get().key() + " (e.g. partition_by: order_date);"
          + " or granularity: none to read the whole table every run");
    }
    if (options.getLong("num_partitions", 1) < 1 || options.getLong("num_partitions", 1) > 64) {
      throw new IllegalArgumentException("num_partitions: between 1 and 64");
    }
    if (options.getLong("num_partitions", 1) > 1 && options.get("split_column").isEmpty()) {
      throw new IllegalArgumentException("num_partitions needs split_column: the column the parallel queries split the rows by");
    }
    Jdbc.validate(options);
  }

  /** A jdbc source has no files. */
  @Override
  public Dataset<Row> read(SparkSession spark, Read read) {
    throw new UnsupportedOperationException("a jdbc source reads a database, not files");
  }

  @Override
  public Dataset<Row> read(SparkSession spark, Query query) {
    Options options = Options.of(query.options());
    Jdbc db = Jdbc.of(options, query.environment(), query.definitionFolder());
    String relation = "(" + select(options, query.partition()) + ") strata_source";
    Properties props = new Properties();
    props.setProperty("user", db.user());
    if (db.password() != null) {
      props.setProperty("password", db.password());
    }
    props.setProperty("driver", "org.postgresql.Driver");
    props.setProperty("fetchsize", "10000");
    int parts = (int) options.getLong("num_partitions", 1);
    try {
      // Spark asks the database for the relation's columns here: a database that does not answer fails now.
      if (parts > 1) {
        String split = options.require("split_column");
        String[] predicates = new String[parts];
        for (int i = 0; i < parts; i++) {
          predicates[i] = "(hashtext(CAST(" + split + " AS text)) & 2147483647) % " + parts + " = " + i;
        }
        return spark.read().jdbc(db.url(), relation, predicates, props);
      }
      return spark.read().jdbc(db.url(), relation, props);
    } catch (Exception e) {
      // Exception, not RuntimeException: Spark's Scala code throws the driver's SQLException undeclared.
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t instanceof SQLException sql) {
          throw failure(db, null, sql);
        }
      }
      throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
    }
  }

  /** The rows of one partition (every row, for the whole source), as a SELECT. */
  static String select(Options options, Partition partition) {
    boolean whole = partition.isWhole();
    String start = whole ? "0001-01-01 00:00:00" : partition.start().format(BOUND);
    String end = whole ? "9999-12-31 00:00:00" : partition.end().format(BOUND);
    String from = options.get("table")
        .orElseGet(() -> "(" + options.require("query").replace("{start}", "TIMESTAMP '" + start + "'")
            .replace("{end}", "TIMESTAMP '" + end + "'") + ") strata_query");
    var by = options.get("partition_by");
    if (whole || by.isEmpty()) {
      return "SELECT * FROM " + from;
    }
    return "SELECT * FROM " + from + " WHERE " + by.get() + " >= TIMESTAMP '" + start + "' AND " + by.get() + " < TIMESTAMP '" + end + "'";
  }

  @Override
  public Map<Partition, String> contents(SparkSession spark, Query query) {
    Options options = Options.of(query.options());
    Jdbc db = Jdbc.of(options, query.environment(), query.definitionFolder());
    Partition.Granularity g = Partition.Granularity.fromKey(options.get("granularity", "day")).orElse(Partition.Granularity.DAY);
    String marker = "CAST(" + options.get("change_marker", "count(*)") + " AS text)";
    String sql;
    if (g == Partition.Granularity.NONE || options.get("partition_by").isEmpty()) {
      sql = "SELECT 'all', " + marker + " FROM (" + select(options, Partition.whole()) + ") s HAVING count(*) > 0";
    } else {
      String unit = switch (g) {
        case HOUR -> "hour";
        case MONTH -> "month";
        default -> "day";
      };
      String form = switch (g) {
        case HOUR -> "YYYY-MM-DD\"T\"HH24";
        case MONTH -> "YYYY-MM";
        default -> "YYYY-MM-DD";
      };
      sql = "SELECT to_char(date_trunc('" + unit + "', " + options.require("partition_by") + "), '" + form + "') AS p, " + marker
          + " FROM (" + select(options, query.partition()) + ") s WHERE " + options.require("partition_by") + " IS NOT NULL GROUP BY 1";
    }
    Map<Partition, String> out = new TreeMap<>();
    try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        out.put(g == Partition.Granularity.NONE ? Partition.whole() : Partition.parse(g, r.getString(1)), String.valueOf(r.getString(2)));
      }
    } catch (SQLException e) {
      throw failure(db, sql, e);
    }
    return out;
  }

  /**
   * A database error as a build reports it: naming the database and, if known, the statement. A
   * lost or refused connection passes (the build is retried: the SQL state says so, on a copy of
   * the error without its own causes, whose innermost message, "Connection refused", would
   * otherwise be all a report shows); an SQL error is the definition's or the database's (exit 4).
   */
  private static RuntimeException failure(Jdbc db, String sql, SQLException e) {
    String message = "jdbc source on " + db.describe() + ": " + Jdbc.firstLine(e) + (sql == null ? "" : " (in: " + sql + ")");
    if (Jdbc.isTransient(e).orElse(false)) {
      return new IllegalStateException(message, new SQLException(message, e.getSQLState()));
    }
    return new dev.strata.api.StrataException.JobFailedException(message + ".", e);
  }

}

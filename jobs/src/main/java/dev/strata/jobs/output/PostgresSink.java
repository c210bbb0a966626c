package dev.strata.jobs.output;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;

import dev.strata.api.Options;
import dev.strata.api.Partition;
import dev.strata.jobs.io.Jdbc;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The {@code postgres} output: each published partition replaces the same partition of a
 * PostgreSQL table in one database transaction (delete the partition's rows, then {@code COPY}
 * the new ones in), so that a reader of the table sees the old rows or the new ones, never none
 * and never both; a delivery killed half-way leaves the old rows. The table is created from the
 * Delta table's schema if it is absent, with explicit types (a decimal keeps its precision and
 * scale, a date is a date, a timestamp a {@code timestamptz}, arrays, maps and structs JSON), and a
 * column the Delta table gained is added to it.
 *
 * <p>Options: {@code table} (required: {@code name} or {@code schema.name}), and the connection's
 * ({@link Jdbc}: by default {@code STRATA_JDBC_URL} or {@code PGHOST}/{@code PGPORT}/{@code
 * PGDATABASE}, {@code PGUSER}, {@code PGPASSWORD} from the environment).
 *
 * <p>The rows stream from Spark to the database through the driver ({@code toLocalIterator}, one
 * Spark partition at a time) into one {@code COPY}: one connection and one transaction per
 * delivery, whatever the size.
 */
public final class PostgresSink implements Checkpointed {
  /** The step between the delete and the copy: a delivery killed there must leave the old rows. */
  public static final String BETWEEN_DELETE_AND_COPY = "output-copy";

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> OWN = Set.of("table");
  private static final int BUFFER = 1 << 16;

  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public void validate(Options options) {
    String table = options.require("table");
    checkTable(table);
    for (String key : options.asMap().keySet()) {
      if (!OWN.contains(key) && !Jdbc.OPTIONS.contains(key)) {
        throw new IllegalArgumentException("unknown option '" + key + "' of the postgres output; its options are table, "
            + String.join(", ", new java.util.TreeSet<>(Jdbc.OPTIONS)));
      }
    }
    Jdbc.validate(options);
  }

  private static String[] checkTable(String table) {
    String[] parts = table.split("\\.", -1);
    if (parts.length > 2 || java.util.Arrays.stream(parts).anyMatch(p -> !IDENTIFIER.matcher(p).matches())) {
      throw new IllegalArgumentException("table: '" + table + "' is not a table name; write it as name or schema.name (letters, digits"
          + " and underscores)");
    }
    return parts;
  }

  @Override
  public Receipt deliver(Delivery delivery, Options options, Checkpoint checkpoint) {
    Jdbc db = Jdbc.of(options, delivery.environment(), delivery.definitionFolder());
    String[] name = checkTable(options.require("table"));
    String table = java.util.Arrays.stream(name).map(PostgresSink::quote).reduce((a, b) -> a + "." + b).orElseThrow();
    Dataset<Row> rows = forCopy(delivery.rows());
    StructType schema = delivery.rows().schema();
    try (Connection c = db.connect()) {
      // Deliveries to one table take turns (creating it, adding a column, replacing a partition).
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
        lock.setString(1, "strata:" + String.join(".", name));
        lock.execute();
      }
      ensureTable(c, name, table, schema);
      delete(c, table, delivery, schema);
      checkpoint.reached(BETWEEN_DELETE_AND_COPY);
      long copied = copy(c, table, schema, rows, zone(delivery));
      c.commit();
      return new Receipt(copied, db.describe() + " " + String.join(".", name));
    } catch (SQLException e) {
      throw new DeliveryException("postgres output to " + db.describe() + " table " + String.join(".", name) + ": " + Jdbc.firstLine(e), e);
    }
  }

  /** A failure of a delivery, in words that name the database and table but no credential. */
  public static final class DeliveryException extends RuntimeException {
    DeliveryException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Creates the table if it is absent, and adds the columns the rows have and it has not. */
  private static void ensureTable(Connection c, String[] name, String table, StructType schema) throws SQLException {
    Set<String> existing = new LinkedHashSet<>();
    String sql = "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = "
        + (name.length == 2 ? "?" : "current_schema()");
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, name[name.length - 1]);
      if (name.length == 2) {
        s.setString(2, name[0]);
      }
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          existing.add(r.getString(1));
        }
      }
    }
    try (Statement s = c.createStatement()) {
      if (existing.isEmpty()) {
        List<String> columns = new ArrayList<>();
        for (StructField f : schema.fields()) {
          columns.add(quote(f.name()) + " " + type(f));
        }
        s.execute("CREATE TABLE IF NOT EXISTS " + table + " (" + String.join(", ", columns) + ")");
        return;
      }
      for (StructField f : schema.fields()) {
        if (!existing.contains(f.name())) {
          s.execute("ALTER TABLE " + table + " ADD COLUMN " + quote(f.name()) + " " + type(f));
        }
      }
    }
  }

  /** Deletes the partition's rows (every row, for an unpartitioned table). */
  private static void delete(Connection c, String table, Delivery delivery, StructType schema) throws SQLException {
    Partition p = delivery.partition();
    if (p.isWhole() || delivery.partitionColumn() == null) {
      try (Statement s = c.createStatement()) {
        s.executeUpdate("DELETE FROM " + table);
      }
      return;
    }
    DataType type = schema.apply(delivery.partitionColumn()).dataType();
    String column = quote(delivery.partitionColumn());
    try (PreparedStatement s = c.prepareStatement("DELETE FROM " + table + " WHERE " + column + " = ?")) {
      if (type.equals(DataTypes.DateType)) {
        s.setObject(1, p.date());
      } else if (type.equals(DataTypes.TimestampType)) {
        s.setObject(1, p.start().atZone(zone(delivery)).toOffsetDateTime());
      } else {
        s.setString(1, p.toString());
      }
      s.executeUpdate();
    }
  }

  /** The session's time zone: Spark's timestamps are instants, shown and partitioned in it. */
  private static ZoneId zone(Delivery delivery) {
    return ZoneId.of(delivery.rows().sparkSession().conf().get("spark.sql.session.timeZone"));
  }

  /** The rows as COPY takes them: arrays, maps and structs as JSON text. */
  private static Dataset<Row> forCopy(Dataset<Row> rows) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : rows.schema().fields()) {
      Column c = col("`" + f.name().replace("`", "``") + "`");
      columns.add(complex(f.dataType()) ? to_json(c).as(f.name()) : c);
    }
    return rows.select(columns.toArray(Column[]::new));
  }

  private static boolean complex(DataType t) {
    return t instanceof ArrayType || t instanceof MapType || t instanceof StructType;
  }

  private static long copy(Connection c, String table, StructType schema, Dataset<Row> rows, ZoneId zone) throws SQLException {
    List<String> columns = new ArrayList<>();
    for (StructField f : schema.fields()) {
      columns.add(quote(f.name()));
    }
    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI()
        .copyIn("COPY " + table + " (" + String.join(", ", columns) + ") FROM STDIN WITH (FORMAT csv)");
    try {
      StringBuilder line = new StringBuilder(BUFFER + 1024);
      StructField[] fields = schema.fields();
      Iterator<Row> it = rows.toLocalIterator();
      while (it.hasNext()) {
        Row r = it.next();
        for (int i = 0; i < fields.length; i++) {
          if (i > 0) {
            line.append(',');
          }
          if (!r.isNullAt(i)) {
            value(line, r.get(i), fields[i].dataType(), zone);
          }
        }
        line.append('\n');
        if (line.length() >= BUFFER) {
          byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
          in.writeToCopy(bytes, 0, bytes.length);
          line.setLength(0);
        }
      }
      if (line.length() > 0) {
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        in.writeToCopy(bytes, 0, bytes.length);
      }
      return in.endCopy();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  /** One value in PostgreSQL's CSV: text always quoted (an empty text is not a null), the rest as its literal. */
  private static void value(StringBuilder out, Object v, DataType type, ZoneId zone) {
    if (v instanceof String s) {
      out.append('"').append(s.replace("\"", "\"\"")).append('"');
    } else if (v instanceof BigDecimal d) {
      out.append(d.toPlainString());
    } else if (v instanceof Boolean b) {
      out.append(b ? 't' : 'f');
    } else if (v instanceof java.sql.Timestamp t) {
      out.append(t.toInstant());
    } else if (v instanceof java.time.Instant t) {
      out.append(t);
    } else if (v instanceof LocalDateTime t) {
      out.append(t);
    } else if (v instanceof java.sql.Date d) {
      out.append(d.toLocalDate());
    } else if (v instanceof byte[] b) {
      out.append("\"\\x").append(HexFormat.of().formatHex(b)).append('"');
    } else if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
      out.append(d.isNaN() ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    } else if (v instanceof Float f && (f.isNaN() || f.isInfinite())) {
      out.append(f.isNaN() ? "NaN" : f > 0 ? "Infinity" : "-Infinity");
    } else {
      out.append(v);
    }
  }

  /** The PostgreSQL type a Delta column is created with. */
  static String type(StructField f) {
    DataType t = f.dataType();
    if (t instanceof DecimalType d) {
      return "numeric(" + d.precision() + "," + d.scale() + ")";
    }
    if (complex(t)) {
      return "jsonb";
    }
    String type = switch (t.typeName()) {
      case "string" -> "text";
      case "integer" -> "integer";
      case "long" -> "bigint";
      case "short", "byte" -> "smallint";
      case "double" -> "double precision";
      case "float" -> "real";
      case "boolean" -> "boolean";
      case "date" -> "date";
      case "timestamp" -> "timestamptz";
      case "timestamp_ntz" -> "timestamp";
      case "binary" -> "bytea";
      default -> null;
    };
    if (type == null) {
      throw new IllegalArgumentException("column " + f.name() + " is of type " + t.simpleString() + ", which the postgres output has no"
          + " type for; cast it in the table's transform");
    }
    return type;
  }

  /** A PostgreSQL identifier, quoted: names keep their case and never read as SQL. */
  static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}

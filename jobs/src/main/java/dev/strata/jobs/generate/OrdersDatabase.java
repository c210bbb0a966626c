package dev.strata.jobs.generate;

import dev.strata.api.StrataException;
import dev.strata.jobs.io.Jdbc;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * The shop's operational database, where the customer-analytics orders arrive: table {@value
 * #TABLE} of a PostgreSQL database, one row per order as it reached the database ({@code
 * loaded_at}, which is its landing day for the pipeline) and when it was last written ({@code
 * updated_at}, the pipeline's change marker). A day's orders are loaded as a feed sends them:
 * the day's rows replaced in one transaction (deleted, then copied in), so that a day sent
 * again, corrected or not, replaces what was sent before and a reader never sees half of it.
 */
public final class OrdersDatabase {
  public static final String TABLE = "shop_orders";
  private static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + " (order_id text NOT NULL, customer_id text,"
      + " order_date timestamp, total_amount numeric(12,2), status text, loaded_at timestamp NOT NULL, updated_at timestamp NOT NULL)";

  private final Jdbc jdbc;

  public OrdersDatabase(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  /** Where the orders go, for messages: host, port, database and table, never a credential. */
  public String describe() {
    return jdbc.describe() + ", table " + TABLE;
  }

  /** Empties the table (creating it if absent): a tour that starts again starts from a shop without orders. */
  public void clear() {
    try (Connection c = jdbc.connect(); Statement s = c.createStatement()) {
      create(s);
      s.execute("TRUNCATE " + TABLE);
      c.commit();
    } catch (SQLException e) {
      throw new StrataException.JobFailedException("Cannot empty " + describe() + ": " + Jdbc.firstLine(e), e);
    }
  }

  /**
   * Replaces the orders that reached the database on {@code day} with these, in one transaction.
   * The {@code i}-th reached it {@code i} seconds into the day (modulo a day); all were written now.
   *
   * @param lines CSV lines {@code order_id,customer_id,order_date,total_amount,status} (an empty
   *     field is a null)
   */
  public void replaceDay(LocalDate day, List<String> lines) {
    LocalDateTime now = LocalDateTime.now(java.time.ZoneOffset.UTC).withNano(0);
    StringBuilder csv = new StringBuilder(lines.size() * 80);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      csv.append(line).append(',').append(day.atStartOfDay().plusSeconds(i % 86_400).toString().replace('T', ' '))
          .append(',').append(now.toString().replace('T', ' ')).append('\n');
    }
    try (Connection c = jdbc.connect()) {
      try (Statement s = c.createStatement()) {
        create(s);
      }
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + TABLE + " WHERE loaded_at >= ? AND loaded_at < ?")) {
        delete.setTimestamp(1, Timestamp.valueOf(day.atStartOfDay()));
        delete.setTimestamp(2, Timestamp.valueOf(day.plusDays(1).atStartOfDay()));
        delete.executeUpdate();
      }
      c.unwrap(PGConnection.class).getCopyAPI().copyIn(
          "COPY " + TABLE + " (order_id, customer_id, order_date, total_amount, status, loaded_at, updated_at) FROM STDIN (FORMAT csv)",
          new StringReader(csv.toString()));
      c.commit();
    } catch (SQLException e) {
      throw new StrataException.JobFailedException("Cannot load the orders of " + day + " into " + describe() + ": " + Jdbc.firstLine(e), e);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Creates the table and its index on the landing time, unless they exist. */
  private static void create(Statement s) throws SQLException {
    s.execute(CREATE);
    s.execute("CREATE INDEX IF NOT EXISTS " + TABLE + "_loaded_at ON " + TABLE + " (loaded_at)");
  }
}

package dev.strata.jobs.io;

import dev.strata.api.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A PostgreSQL database a definition names, and how to connect to it, for the {@code postgres}
 * output and the {@code jdbc} source. The connection settings come from the options or, by
 * default, from the environment (the process's, and the run's {@code --env-file}) under libpq's
 * standard names, as {@code eval "$(scripts/postgres-local env)"} sets them:
 *
 * <ul>
 *   <li>{@code url}: a JDBC URL without credentials ({@code jdbc:postgresql://host:5432/db}); or
 *       {@code url_env}, the variable holding one (default {@code STRATA_JDBC_URL}); else
 *       {@code PGHOST}, {@code PGPORT} and {@code PGDATABASE}.
 *   <li>{@code user}, or {@code user_env} (default {@code PGUSER}).
 *   <li>{@code password_env} (default {@code PGPASSWORD}), or {@code password_file}: a file
 *       (relative to the definition's folder) whose first line is the password.
 * </ul>
 *
 * <p>The password is a secret: it is never part of the URL, a message, the ledger or a report.
 * A URL that carries one ({@code password=} in it) is refused when the definition is validated.
 *
 * @param url the JDBC URL, without credentials
 * @param user the role
 * @param password the password, or null (the server may not ask for one)
 */
public record Jdbc(String url, String user, String password) {
  private static final Pattern URL = Pattern.compile("jdbc:postgresql://[^/?#\\s]+(/[^?#\\s]*)?(\\?.*)?");
  private static final Pattern CREDENTIALS_IN_URL = Pattern.compile("(?i)[?&](password|user)=");

  /** Settings a definition may give a database connection, besides the sink's or source's own. */
  public static final java.util.Set<String> OPTIONS =
      java.util.Set.of("url", "url_env", "user", "user_env", "password_env", "password_file");

  /** Checks the connection options of a definition: what it can without the environment. */
  public static void validate(Options options) {
    options.get("url").ifPresent(url -> {
      if (CREDENTIALS_IN_URL.matcher(url).find()) {
        throw new IllegalArgumentException("url: put no credentials in the URL (it is printed and recorded); give the user as user"
            + " or user_env and the password as password_env or password_file");
      }
      if (!URL.matcher(url).matches()) {
        throw new IllegalArgumentException("url: '" + url + "' is not a PostgreSQL JDBC URL; write it as jdbc:postgresql://HOST:PORT/DATABASE");
      }
    });
    if (options.get("url").isPresent() && options.get("url_env").isPresent()) {
      throw new IllegalArgumentException("give url or url_env, not both");
    }
    if (options.get("user").isPresent() && options.get("user_env").isPresent()) {
      throw new IllegalArgumentException("give user or user_env, not both");
    }
    if (options.get("password_env").isPresent() && options.get("password_file").isPresent()) {
      throw new IllegalArgumentException("give password_env or password_file, not both");
    }
  }

  /**
   * The connection the options and the environment describe.
   *
   * @param folder the definition's folder, for a relative {@code password_file}
   * @throws IllegalArgumentException naming the setting that is missing (never its value)
   */
  public static Jdbc of(Options options, Map<String, String> env, String folder) {
    String urlVariable = options.get("url_env").orElse("STRATA_JDBC_URL");
    String url = options.get("url").or(() -> value(env, urlVariable)).orElseGet(() -> {
      Optional<String> host = value(env, "PGHOST");
      if (host.isEmpty()) {
        throw new IllegalArgumentException("no database to connect to: set " + urlVariable + " (a JDBC URL) or PGHOST (with PGPORT and"
            + " PGDATABASE) in the environment or the --env-file, or give url: in the options (eval \"$(scripts/postgres-local env)\""
            + " sets them for the local server)");
      }
      return "jdbc:postgresql://" + host.get() + ":" + value(env, "PGPORT").orElse("5432") + "/" + value(env, "PGDATABASE").orElse("postgres");
    });
    if (CREDENTIALS_IN_URL.matcher(url).find()) {
      throw new IllegalArgumentException("the JDBC URL in " + urlVariable + " carries credentials; give the user in PGUSER and the password"
          + " in PGPASSWORD instead, so that the URL can be printed");
    }
    if (!URL.matcher(url).matches()) {
      throw new IllegalArgumentException("the JDBC URL in " + (options.get("url").isPresent() ? "url:" : urlVariable)
          + " is not a PostgreSQL one; write it as jdbc:postgresql://HOST:PORT/DATABASE");
    }
    String userVariable = options.get("user_env").orElse("PGUSER");
    String user = options.get("user").or(() -> value(env, userVariable))
        .orElseThrow(() -> new IllegalArgumentException("no database user: set " + userVariable + " in the environment or the --env-file, or"
            + " give user: in the options"));
    String password;
    if (options.get("password_file").isPresent()) {
      Path file = Path.of(folder == null ? "." : folder).resolve(options.get("password_file").get());
      try {
        password = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the password file " + file + " (password_file): " + e.getClass().getSimpleName());
      }
    } else {
      password = value(env, options.get("password_env").orElse("PGPASSWORD")).orElse(null);
    }
    return new Jdbc(url, user, password);
  }

  private static Optional<String> value(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
  }

  /** Opens a connection: not in auto-commit mode, so that what a caller does is one transaction until it commits. */
  public Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("ApplicationName", "strata");
    p.setProperty("connectTimeout", "10");
    p.setProperty("tcpKeepAlive", "true");
    Connection c = DriverManager.getConnection(url, p);
    c.setAutoCommit(false);
    return c;
  }

  /** Where the connection goes, for messages and the ledger: host, port and database, never a credential. */
  public String describe() {
    String rest = url.substring("jdbc:postgresql://".length());
    int query = rest.indexOf('?');
    return "postgres " + (query < 0 ? rest : rest.substring(0, query));
  }

  /** The record's text without the password. */
  @Override
  public String toString() {
    return "Jdbc[" + describe() + ", user=" + user + "]";
  }

  /** A database error in one line, with its SQL state: what a message quotes of it. */
  public static String firstLine(SQLException e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)) + (e.getSQLState() == null ? "" : " (SQL state " + e.getSQLState() + ")");
  }

  /**
   * Whether a database failure may go away on its own: the connection could not be made or was
   * lost (SQL state class 08), the server is shutting down or starting (57P01-57P03), has too many
   * connections (53300), or the transaction lost a serialization race or a deadlock (40001, 40P01).
   * Any other SQL error (a syntax error, a missing permission, a constraint) happens again.
   */
  public static Optional<Boolean> isTransient(SQLException e) {
    String state = e.getSQLState();
    if (state == null) {
      return Optional.empty();
    }
    return Optional.of(state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
        || state.equals("53300") || state.equals("40001") || state.equals("40P01"));
  }
}

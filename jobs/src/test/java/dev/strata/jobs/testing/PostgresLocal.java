package dev.strata.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for the tests that deliver to or read from a database, started by the
 * project's own {@code scripts/postgres-local} (Debian's server binaries) on 127.0.0.1. Where the
 * binaries are missing the tests are skipped, unless {@code STRATA_REQUIRE_POSTGRES=true} (as
 * {@code .ci/run} sets): then they fail, saying why.
 *
 * <p>Each state folder is a server of its own: the tests that stop their server use a folder of
 * their own; the others share {@link #SHARED}.
 */
public final class PostgresLocal {
  /** {@code STRATA_REQUIRE_POSTGRES=true}, as the build passes it on (pom.xml): fail rather than skip. */
  public static final boolean REQUIRED = Boolean.getBoolean("strata.requirePostgres");
  /**
   * The state folder of the server the tests of this JVM share, under the temporary folder (the
   * server runs as the postgres user when the tests run as root: it must reach its folder), removed
   * with its server when the JVM exits.
   */
  private static final Path SHARED = Paths.get(System.getProperty("java.io.tmpdir"), "strata-postgres-" + ProcessHandle.current().pid());
  private static boolean sharedStarted;

  private final Path state;
  private final Map<String, String> env;

  private PostgresLocal(Path state, Map<String, String> env) {
    this.state = state;
    this.env = env;
  }

  /** The server this JVM's tests share, started if it is not running; destroyed when the JVM exits. */
  public static synchronized PostgresLocal shared() {
    PostgresLocal server = start(SHARED);
    if (!sharedStarted) {
      sharedStarted = true;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> script(SHARED, "destroy")));
    }
    return server;
  }

  /**
   * A server of its own, for a test that stops it: destroy it when done. Its folder is directly
   * under the temporary folder (a test's own temporary folder is private to its user, which the
   * postgres user the server runs as could not enter).
   */
  public static PostgresLocal own() {
    return start(Paths.get(System.getProperty("java.io.tmpdir"), "strata-postgres-" + ProcessHandle.current().pid() + "-"
        + Long.toHexString(System.nanoTime())));
  }

  /** Stops the server and removes its data. */
  public void destroy() {
    script(state, "destroy");
  }

  /** The server of this state folder, started if it is not running. */
  public static synchronized PostgresLocal start(Path state) {
    String out = script(state, "start");
    if (out.contains("is not installed")) {
      String why = "PostgreSQL's server is not installed here (" + out.strip() + ")";
      assertThat(REQUIRED).as(why + "; STRATA_REQUIRE_POSTGRES=true requires it").isFalse();
      Assumptions.assumeTrue(false, why + "; install Debian's postgresql package, or set STRATA_REQUIRE_POSTGRES=true to fail");
    }
    Map<String, String> env = ServiceScript.exports(script(state, "env"));
    assertThat(env).as("scripts/postgres-local env").containsKeys("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "STRATA_JDBC_URL");
    return new PostgresLocal(state, Map.copyOf(env));
  }

  /** Stops the server (its data stays: {@link #start} finds it again). */
  public void stop() {
    script(state, "stop");
  }

  /** Its state folder: {@link #start} with it finds (or starts again) the same server. */
  public Path state() {
    return state;
  }

  /** The settings {@code scripts/postgres-local env} prints. */
  public Map<String, String> env() {
    return env;
  }

  /** Writes the settings as an environment file for {@code --env-file}, and returns it. */
  public Path envFile(Path dir) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve("postgres.env");
      StringBuilder text = new StringBuilder();
      env.forEach((k, v) -> text.append("export ").append(k).append('=').append(v).append('\n'));
      Files.writeString(file, text);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String jdbcUrl() {
    return env.get("STRATA_JDBC_URL");
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), env.get("PGUSER"), env.get("PGPASSWORD"));
  }

  /** Runs SQL statements, each on its own, committed. */
  public void execute(String... statements) {
    try (Connection c = connect(); var s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The rows of a query, each as its columns' text joined by '|' (null as "null"). */
  public List<String> rows(String sql) {
    List<String> out = new ArrayList<>();
    try (Connection c = connect(); var s = c.createStatement(); var r = s.executeQuery(sql)) {
      int n = r.getMetaData().getColumnCount();
      while (r.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          row.append(i > 1 ? "|" : "").append(r.getString(i));
        }
        out.add(row.toString());
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static String script(Path state, String... args) {
    return ServiceScript.run("postgres-local", "STRATA_POSTGRES_DIR", state, 2, t -> t.contains("is not installed"), args);
  }
}

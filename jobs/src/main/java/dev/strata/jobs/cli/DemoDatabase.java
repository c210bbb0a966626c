package dev.strata.jobs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The demo's PostgreSQL: the project's own {@code scripts/postgres-local}, started if this machine
 * has Debian's server (the demo then delivers to it as well as to the CSV export), and {@code
 * psql} to show what it received. Without the server the demo says so and delivers the export
 * only: the README's set-up needs nothing but JDK 17 and Maven.
 */
final class DemoDatabase {
  private DemoDatabase() {}

  /**
   * Starts (or finds running) the local server and returns its settings (PGHOST ... STRATA_JDBC_URL),
   * or empty, after saying why, if it cannot.
   *
   * @param scripts the repository's scripts folder
   */
  static Optional<Map<String, String>> start(Path scripts, PrintWriter out) {
    Path script = scripts.resolve("postgres-local");
    if (!Files.isExecutable(script)) {
      out.printf("   (No scripts/postgres-local beside the definitions: the database output is not delivered.)%n");
      return Optional.empty();
    }
    Result started = exec(List.of(script.toString(), "start"), Map.of());
    if (started.exit() != 0) {
      out.printf("   PostgreSQL is not available here (%s): the demo delivers the CSV export only.%n",
          started.output().strip().replaceFirst("^postgres-local: ", ""));
      return Optional.empty();
    }
    Result env = exec(List.of(script.toString(), "env"), Map.of());
    Map<String, String> settings = new LinkedHashMap<>();
    for (String line : env.output().lines().toList()) {
      if (line.startsWith("export ") && line.contains("=")) {
        String kv = line.substring("export ".length());
        settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
    }
    if (env.exit() != 0 || !settings.containsKey("STRATA_JDBC_URL")) {
      out.printf("   scripts/postgres-local started but gave no settings: the demo delivers the CSV export only.%n");
      return Optional.empty();
    }
    out.printf("   PostgreSQL from scripts/postgres-local: %s (the database output delivers there)%n", settings.get("STRATA_JDBC_URL"));
    return Optional.of(Map.copyOf(settings));
  }

  /** Runs a query with psql against the server and prints its output, indented. */
  static void show(Map<String, String> settings, String sql, PrintWriter out) {
    Result r = exec(List.of("psql", "-X", "-v", "ON_ERROR_STOP=1", "-c", sql), settings);
    out.printf("   $ psql -c \"%s\"%n", sql);
    r.output().lines().forEach(l -> out.printf("   %s%n", l));
  }

  record Result(int exit, String output) {}

  static Result exec(List<String> command, Map<String, String> env) {
    try {
      Path log = Files.createTempFile("strata-demo", ".out");
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", command) + " did not finish in 2 minutes");
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.deleteIfExists(log);
      return new Result(p.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}

package dev.strata.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Runs one of the project's local-service scripts ({@code scripts/postgres-local}, {@code scripts/kafka-local}) for a test. */
final class ServiceScript {
  private static final Path REPO = Paths.get("..").toAbsolutePath().normalize();

  private ServiceScript() {}

  /** The variables of a script's {@code env} output: its {@code export NAME=value} lines, in order. */
  static java.util.Map<String, String> exports(String output) {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    for (String line : output.lines().toList()) {
      if (line.startsWith("export ") && line.contains("=")) {
        String kv = line.substring("export ".length());
        env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
    }
    return env;
  }

  /**
   * Runs {@code scripts/NAME ARGS...} with its state folder in {@code stateVariable}, and returns
   * what it printed (output and errors).
   *
   * @param accepted output with which a non-zero exit is an answer, not a failure (e.g. "is not installed")
   * @throws AssertionError if it runs past {@code minutes} or exits non-zero otherwise
   */
  static String run(String name, String stateVariable, Path state, int minutes, Predicate<String> accepted, String... args) {
    List<String> cmd = new ArrayList<>(List.of(REPO.resolve("scripts").resolve(name).toString()));
    cmd.addAll(List.of(args));
    try {
      Files.createDirectories(state.getParent());
      Path out = Files.createTempFile(name, ".out");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().put(stateVariable, state.toString());
      Process p = pb.start();
      if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + " still running after " + minutes + " minutes\n" + Files.readString(out));
      }
      String text = Files.readString(out);
      Files.deleteIfExists(out);
      if (p.exitValue() != 0 && !accepted.test(text)) {
        throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + "\n" + text);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}

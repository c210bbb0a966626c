package dev.strata.jobs.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One attempt of an external step: a command run as a child process in a folder, with an
 * environment, its output and error streams interleaved into a log file, killed (with the
 * processes it started) past a timeout. What it reports besides its exit code: metrics, from a
 * line on its standard output that is a JSON object with a {@code metrics} object ({@code
 * {"metrics": {"rows_scored": 1200, "model": "v3"}}}) and from the file named by {@link
 * #METRICS_FILE} (one such object, or a JSON object of metrics); later values win.
 *
 * <p>No shell runs: each element of the command is one argument, so nothing in a partition or a
 * path is ever interpreted.
 */
public final class StepProcess {
  /** The variable naming the file a step may write its metrics to. */
  public static final String METRICS_FILE = "STRATA_METRICS_FILE";
  /** Lines of its log a failure quotes. */
  static final int TAIL = 20;
  /** How long a step killed for its timeout gets to end before it is killed forcibly. */
  private static final Duration GRACE = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Names of variables whose values are never quoted from a step's log. */
  private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL).*");

  private StepProcess() {}

  /**
   * What an attempt did.
   *
   * @param exitCode the process's exit code (-1 if it was killed for its timeout)
   * @param timedOut whether it was killed for running past its timeout
   * @param metrics what it reported, each value as JSON text ({@code 1200}, {@code "v3"})
   * @param tail its log's last lines, secrets redacted
   * @param duration how long it ran
   */
  public record Result(int exitCode, boolean timedOut, Map<String, String> metrics, List<String> tail, Duration duration) {
    public Result {
      metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
      tail = List.copyOf(tail);
    }

    public boolean succeeded() {
      return exitCode == 0 && !timedOut;
    }
  }

  /**
   * Runs {@code command} in {@code folder} until it ends or {@code timeout} passes.
   *
   * @param env variables set for it, over the process's own environment
   * @param log the file its output and errors are written to, line by line as they come
   * @param secrets variables whose values (where their names say they are secret) are redacted from
   *     the quoted tail; the log file itself is the step's own output, kept as written
   * @throws IllegalArgumentException if the program cannot be started (not found, not executable)
   */
  public static Result run(
      List<String> command, Path folder, Map<String, String> env, Duration timeout, Path log, Map<String, String> secrets) {
    long start = System.nanoTime();
    ProcessBuilder pb = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process process;
    try {
      Files.createDirectories(log.getParent());
      process = pb.start();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot start " + command.get(0) + " in " + folder + ": " + e.getMessage(), e);
    }
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // an input it never reads
    }
    Map<String, String> metrics = new LinkedHashMap<>();
    Deque<String> tail = new ArrayDeque<>();
    Thread reader = new Thread(() -> copy(process, log, metrics, tail), "step-log-" + process.pid());
    reader.setDaemon(true);
    reader.start();
    boolean timedOut = false;
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        timedOut = true;
        kill(process);
      }
      reader.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the step " + command.get(0) + " ran", e);
    }
    Optional.ofNullable(env.get(METRICS_FILE)).map(Path::of).filter(Files::isRegularFile).ifPresent(f -> readMetricsFile(f, metrics));
    List<String> quoted;
    synchronized (tail) {
      quoted = new ArrayList<>(tail);
    }
    Map<String, String> all = new LinkedHashMap<>(secrets);
    all.putAll(env);
    quoted = quoted.stream().map(line -> redact(line, all)).toList();
    return new Result(timedOut ? -1 : process.exitValue(), timedOut, metrics, quoted, Duration.ofNanos(System.nanoTime() - start));
  }

  /** The text with the value of every variable whose name says it is secret replaced by {@code ***}. */
  static String redact(String text, Map<String, String> env) {
    String out = text;
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getValue() != null && e.getValue().length() >= 4 && SECRET_NAME.matcher(e.getKey()).matches()) {
        out = out.replace(e.getValue(), "***");
      }
    }
    return out;
  }

  private static void copy(Process process, Path log, Map<String, String> metrics, Deque<String> tail) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        out.write(line);
        out.write('\n');
        out.flush();
        metricsLine(line).ifPresent(m -> {
          synchronized (metrics) {
            metrics.putAll(m);
          }
        });
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > TAIL) {
            tail.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A line's metrics, if it is a JSON object with a {@code metrics} object. */
  static Optional<Map<String, String>> metricsLine(String line) {
    String s = line.strip();
    if (!s.startsWith("{") || !s.contains("\"metrics\"")) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(s);
      JsonNode m = node == null ? null : node.get("metrics");
      return m != null && m.isObject() ? Optional.of(flat(m)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static void readMetricsFile(Path file, Map<String, String> metrics) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        return;
      }
      for (String line : text.startsWith("{") && !text.contains("\n{") ? List.of(text) : text.lines().toList()) {
        JsonNode node = JSON.readTree(line);
        if (node != null && node.isObject()) {
          JsonNode m = node.get("metrics");
          metrics.putAll(flat(m != null && m.isObject() ? m : node));
        }
      }
    } catch (IOException e) {
      metrics.put("metrics_file_error", JSON.valueToTree("not JSON: " + dev.strata.jobs.Errors.firstLine(String.valueOf(e.getMessage()))).toString());
    }
  }

  private static Map<String, String> flat(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      out.put(f.getKey(), f.getValue().toString());
    }
    return out;
  }

  /** Ends the process and every process it started: politely, then forcibly after a grace period. */
  private static void kill(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }
}

package dev.strata.jobs.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@code strata} in a JVM of its own, as cron or spark-submit would start it: for the tests that
 * need two runs racing, or a run killed with SIGKILL.
 */
public final class StrataProcess {
  private final Process process;
  private final Path out;
  private final Path err;

  private StrataProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /**
   * Starts {@code strata ARGS --conf-dir <repo>/conf} with the test classpath.
   *
   * @param faults {@code -Dstrata.faults} for the new JVM, or null
   * @param logs folder for its stdout and stderr
   */
  public static StrataProcess start(Path logs, String name, String faults, String... args) {
    return start(logs, name, faults, List.of(), args);
  }

  /** As {@link #start(Path, String, String, String...)}, with more JVM flags (e.g. -Dspark.hadoop.fs.s3a.retry.limit=1). */
  public static StrataProcess start(Path logs, String name, String faults, List<String> jvmFlags, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--conf-dir", Cli.CONF.toString()));
    return startMain(logs, name, faults, jvmFlags, FaultyStrataMain.class.getName(), all);
  }

  /** Another main class of the test classpath (e.g. {@link HiveQuery}) in its own JVM, as {@link #start} starts strata. */
  public static StrataProcess startMain(Path logs, String name, String faults, List<String> jvmFlags, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (flag.startsWith("--add-opens") || flag.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || flag.startsWith("-Duser.")
          || flag.startsWith("-Djdk.reflect")) {
        cmd.add(flag);
      }
    }
    cmd.add("-Xmx1g");
    cmd.addAll(jvmFlags);
    cmd.add("-Dlog4j2.configurationFile=" + Cli.CONF.resolve("log4j2.properties"));
    if (faults != null) {
      cmd.add("-Dstrata.faults=" + faults);
      cmd.add("-Dstrata.faults.release=" + releaseFile(logs));
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    cmd.add(mainClass);
    cmd.addAll(args);
    try {
      Files.createDirectories(logs);
      Path out = logs.resolve(name + ".out");
      Path err = logs.resolve(name + ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      pb.environment().put("SPARK_CONF_DIR", new File(logs.toFile(), "no-spark-conf").getPath());
      return new StrataProcess(pb.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creating this file ends the {@code pause} faults of the processes started with {@code logs}. */
  public static Path releaseFile(Path logs) {
    return logs.resolve("release-pauses");
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits until its stderr or stdout matches, failing if it exits first or the time runs out. */
  public void awaitOutput(String regex, Duration timeout) {
    Pattern p = Pattern.compile(regex);
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (p.matcher(stdout()).find() || p.matcher(stderr()).find()) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError("process exited (" + process.exitValue() + ") before printing /" + regex + "/\n" + this);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no /" + regex + "/ within " + timeout + "\n" + this);
  }

  /** Waits for it to exit and returns its exit code. */
  public int await(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("still running after " + timeout + "\n" + this);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** SIGTERM: what a service manager or Kubernetes sends first; the shutdown hooks run. */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL: no shutdown hook, no finally block, no flush. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String stdout() {
    return read(out);
  }

  public String stderr() {
    return read(err);
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public String toString() {
    String e = stderr();
    return "--- stdout\n" + stdout() + "--- stderr (tail)\n" + e.substring(Math.max(0, e.length() - 4000));
  }
}

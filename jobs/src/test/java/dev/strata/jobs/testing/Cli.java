package dev.strata.jobs.testing;

import dev.strata.jobs.cli.StrataMain;
import dev.strata.testing.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Runs the strata command line in the test JVM, on the shared test session, capturing its output. */
public final class Cli {
  /** The repository's conf/ folder. */
  public static final Path CONF = Paths.get("..", "conf").toAbsolutePath().normalize();

  private Cli() {}

  /** What a command printed and returned. */
  public record Outcome(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  public static Outcome run(String... args) {
    return runWithFaults("", args);
  }

  /**
   * Runs a command with faults at its steps ({@link Faults}: e.g. {@code io-error:s:commit:2}, the
   * first two commits of table s fail as a flaky store would); "" for none.
   */
  public static Outcome runWithFaults(String faults, String... args) {
    SparkTestSession.get();
    Faults steps = faults.isBlank() ? null : Faults.parse(faults);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] withConf = new String[args.length + 2];
    System.arraycopy(args, 0, withConf, 0, args.length);
    withConf[args.length] = "--conf-dir";
    withConf[args.length + 1] = CONF.toString();
    boolean takesOptions = args.length > 0 && !args[0].startsWith("-") && !args[0].equals("help");
    int exit =
        StrataMain.execute(
            takesOptions ? withConf : args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            steps == null ? java.util.function.UnaryOperator.identity() : ctx -> ctx.with(steps));
    return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}

package dev.strata.jobs.cli;

import dev.strata.api.StrataException;
import dev.strata.jobs.engine.EngineContext;
import java.io.PrintStream;
import java.io.PrintWriter;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code strata} command line, and the main class of the spark-submit jar. Exit codes: 0 ok, 2
 * invalid usage, definition or input, 3 a gate blocked publication, 4 a job failed, 5 upstream not
 * ready, 6 a table partition held by another run, 1 a bug.
 */
@Command(
    name = "strata",
    mixinStandardHelpOptions = true,
    // Every subcommand (and sub-subcommand) takes --help too.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = StrataMain.Version.class,
    description = "Quality-gated medallion pipelines on Spark and Delta Lake.",
    subcommands = {
      ValidateCommand.class,
      RunCommand.class,
      BackfillCommand.class,
      MaintainCommand.class,
      StatusCommand.class,
      HistoryCommand.class,
      LineageCommand.class,
      ReportCommand.class,
      ChecksCommand.class,
      ScheduleCommand.class,
      ExportCommand.class,
      GenerateCommand.class,
      QuarantineCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:everything built and published",
      "1:a bug in Strata",
      "2:invalid usage, definition or input; nothing was written",
      "3:a quality gate blocked publication",
      "4:a table build failed",
      "5:an upstream table, source or --wait-for path is not ready",
      "6:another run was building the same table partition (see --lock-timeout)"
    })
public final class StrataMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: choose one of validate, run, backfill, status, history, lineage, schedule, export, generate, quarantine, demo");
  }

  public static void main(String[] args) {
    main(args, java.util.function.UnaryOperator.identity());
  }

  /**
   * The process of a command line whose engine contexts {@code adjust} changes (a test's faults):
   * runs it, stops the session it started, and exits with its code.
   */
  public static void main(String[] args, java.util.function.UnaryOperator<EngineContext> adjust) {
    int code;
    try {
      code = execute(args, System.out, System.err, adjust);
    } finally {
      SparkSession.getDefaultSession().foreach(s -> {
        s.stop();
        return null;
      });
    }
    System.exit(code);
  }

  /** How the program running the command line adjusts each command's engine context; none by default. */
  private final java.util.function.UnaryOperator<EngineContext> adjust;

  private StrataMain(java.util.function.UnaryOperator<EngineContext> adjust) {
    this.adjust = adjust;
  }

  StrataMain() {
    this(java.util.function.UnaryOperator.identity());
  }

  EngineContext adjust(EngineContext ctx) {
    return adjust.apply(ctx);
  }

  /** Runs the command line in this JVM and returns its exit code; for main and for tests. */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    return execute(args, out, err, java.util.function.UnaryOperator.identity());
  }

  /**
   * Runs the command line in this JVM with each command's engine context adjusted by {@code
   * adjust} (a test's steps that fail or pause), and returns its exit code.
   */
  public static int execute(String[] args, PrintStream out, PrintStream err, java.util.function.UnaryOperator<EngineContext> adjust) {
    CommandLine cli = new CommandLine(new StrataMain(adjust));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof StrataException se) {
            err.println("strata: " + dev.strata.jobs.Errors.printable(se.getMessage()));
            return ExitCodes.of(se);
          }
          String storage = dev.strata.jobs.engine.Transience.storageFailure(e);
          if (storage != null) {
            // Outside any table build (whose failures are its result): the warehouse's storage refused a read or write.
            String again = "strata " + String.join(" ", java.util.Arrays.stream(args).map(dev.strata.jobs.run.Invocation::quote).toList());
            if (dev.strata.jobs.engine.Transience.unreachable(e)) {
              err.println("strata: Cannot complete the command: the storage could not be reached (" + dev.strata.jobs.Errors.printable(storage)
                  + "): an object store that is down, a wrong endpoint, or no network. Nothing was changed: every table partition is"
                  + " either published or as it was. Once it is reachable, run the same command again: " + again);
              return ExitCodes.JOB_FAILED;
            }
            err.println("strata: Cannot complete the command: the storage failed (" + dev.strata.jobs.Errors.printable(storage)
                + "). Check that the path exists and is readable and writable, and that its disk has space; every table"
                + " partition is either published or as it was. Then run the same command again: " + again);
            return ExitCodes.JOB_FAILED;
          }
          err.println("strata: unexpected failure (a bug in Strata; please report it with this output):");
          e.printStackTrace(err);
          return ExitCodes.BUG;
        });
    cli.setParameterExceptionHandler(
        (e, a) -> {
          err.println("strata: " + dev.strata.jobs.Errors.printable(e.getMessage()));
          err.println("See '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.INVALID;
        });
    return cli.execute(args);
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = StrataMain.class.getPackage().getImplementationVersion();
      return new String[] {"strata " + (v == null ? "(development build)" : v)};
    }
  }
}

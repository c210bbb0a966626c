package dev.strata.jobs.cli;

import dev.strata.api.StrataException;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.PipelineRunner;
import dev.strata.jobs.engine.Scheduler;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.run.RunRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "schedule",
    description = {
      "Run the pipelines' schedules as a long-lived process: each job (a pipeline, or one layer of it) runs at its cron times for",
      "the interval that just closed, never overlapping itself beyond max_active_runs, catching up after downtime (catchup: true)",
      "from what the ledger says already ran. Stops cleanly on SIGTERM: no new run starts, active ones finish (up to --grace)."
    })
final class ScheduleCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--pipelines",
      split = ",",
      paramLabel = "PIPELINE",
      description = "The pipelines whose schedules to run (names under <conf-dir>/pipelines, or definition folders). Default: every pipeline there with schedules.")
  List<String> pipelines = new ArrayList<>();

  @Option(
      names = "--submit",
      paramLabel = "HOW",
      description = "in-process (default): runs in this JVM's Spark session; spark-submit: each run is its own spark-submit of the job jar.")
  String submit = "in-process";

  @Option(names = "--spark-submit", paramLabel = "PATH", description = "The spark-submit to use with --submit spark-submit (default: $SPARK_HOME/bin/spark-submit).")
  String sparkSubmit;

  @Option(names = "--master", paramLabel = "URL", description = "With --submit spark-submit: the cluster's master URL (spark://, yarn, k8s://...).")
  String master;

  @Option(names = "--jar", paramLabel = "PATH", description = "With --submit spark-submit: the job jar (default: the jar this command runs from).")
  String jar;

  @Option(
      names = "--submit-arg",
      paramLabel = "ARG",
      description = "With --submit spark-submit: one more argument for spark-submit, e.g. --submit-arg=--conf --submit-arg=spark.executor.memory=2g. Repeatable.")
  List<String> submitArgs = new ArrayList<>();

  @Option(names = "--grace", paramLabel = "DURATION", description = "On SIGTERM, how long active runs may take to finish (default 10m).")
  String grace = "10m";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Duration graceTime = Durations.parse(grace);
    Errors.check(graceTime != null, "Cannot schedule: --grace '%s' is not a duration; write e.g. 30s or 10m.", grace);
    Errors.check(submit.equals("in-process") || submit.equals("spark-submit"), "Cannot schedule: --submit '%s'; use in-process or spark-submit.", submit);
    List<Pipeline> loaded = load();
    long jobs = loaded.stream().mapToLong(p -> p.definition().schedules().size()).sum();
    Errors.check(
        jobs > 0, "Cannot schedule: %s declare%s no schedules. Add a 'schedules:' mapping to a pipeline.yaml, e.g.%n"
            + "  schedules:%n    daily: {cron: \"0 6 * * *\", timezone: UTC}",
        loaded.stream().map(Pipeline::name).toList(), loaded.size() == 1 ? "s" : "");
    Scheduler.Launcher launcher = submit.equals("spark-submit") ? sparkSubmitLauncher(out) : null;
    EngineContext ctx = common.context(common.session("strata schedule"), out);
    if (launcher == null) {
      launcher = (job, fire, partition) -> {
        if (job.schedule().maintain()) {
          try {
            return MaintainCommand.maintain(ctx, job.pipeline(), false, new RunRequest.Scheduled(job.id(), fire));
          } catch (StrataException e) {
            synchronized (out) {
              out.println(job.id() + ": " + e.getMessage());
            }
            return ExitCodes.of(e);
          }
        }
        RunRequest request =
            new RunRequest(java.util.List.of(partition), job.schedule().layer(), Set.of(), "schedule").withScheduled(new RunRequest.Scheduled(job.id(), fire));
        try {
          return new PipelineRunner(ctx).run(job.pipeline(), request).exitCode();
        } catch (StrataException e) {
          synchronized (out) {
            out.println(job.id() + ": " + e.getMessage());
          }
          return ExitCodes.of(e);
        }
      };
    }
    Ledger ledger = new Ledger(ctx.spark(), ctx.warehouse());
    Clock clock = Clock.systemUTC();
    Scheduler scheduler = Scheduler.forPipelines(loaded, clock, ledger::finishedIntervals, launcher, out);
    for (Scheduler.Job job : scheduler.jobs()) {
      out.printf("%s: %s%s, catchup %s, max_active_runs %d; next run %s%n", job.id(), job.cron(),
          job.schedule().layer().map(l -> ", layer " + l.key()).orElse(""), job.schedule().catchup(), job.schedule().maxActiveRuns(),
          job.cron().next(clock.instant()).map(Instant::toString).orElse("never"));
    }
    out.flush();
    // Before Spark's own shutdown hook stops the SparkContext (Hadoop runs higher priorities first):
    // active in-process runs need it to finish.
    org.apache.hadoop.util.ShutdownHookManager.get().addShutdownHook(() -> {
      try {
        int left = scheduler.stop(graceTime);
        out.printf("strata schedule: stopped (SIGTERM); %s%n", left == 0 ? "no run was active" : left + " run(s) still active after --grace " + grace);
        out.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, 100, graceTime.toSeconds() + 10, TimeUnit.SECONDS);
    scheduler.runUntilStopped(Scheduler.systemSleeper(clock));
    return 0;
  }

  private List<Pipeline> load() throws IOException {
    List<String> names = new ArrayList<>(pipelines);
    boolean all = names.isEmpty();
    if (all) {
      Path root = Paths.get(common.confDir(), "pipelines");
      Errors.check(Files.isDirectory(root), "Cannot schedule: no pipelines folder at %s. Pass --conf-dir or --pipelines.", root.toAbsolutePath());
      try (Stream<Path> dirs = Files.list(root)) {
        dirs.filter(d -> Files.isRegularFile(d.resolve("pipeline.yaml"))).map(d -> d.getFileName().toString()).sorted().forEach(names::add);
      }
    }
    List<Pipeline> loaded = new ArrayList<>();
    for (String name : names) {
      Pipeline p = common.validated(name);
      if (!all || !p.definition().schedules().isEmpty()) {
        loaded.add(p);
      }
    }
    return loaded;
  }

  /**
   * Each run as `spark-submit --class StrataMain <jar> run <pipeline> --date D [--layer L] --scheduled JOB@FIRE`, each maintenance
   * as `... maintain <pipeline> --scheduled JOB@FIRE`.
   */
  private Scheduler.Launcher sparkSubmitLauncher(PrintWriter out) {
    String submitter = sparkSubmit;
    if (submitter == null) {
      String home = common.sparkHome();
      Errors.check(home != null, "Cannot schedule with --submit spark-submit: pass --spark-submit PATH or set SPARK_HOME.");
      submitter = Paths.get(home, "bin", "spark-submit").toString();
    }
    Errors.check(Files.isExecutable(Paths.get(submitter)), "Cannot schedule: %s is not an executable spark-submit.", submitter);
    String jobJar = jar != null ? jar : ownJar();
    String submitCommand = submitter;
    return (job, fire, partition) -> {
      List<String> command = new ArrayList<>(List.of(submitCommand));
      if (master != null) {
        command.addAll(List.of("--master", master));
      }
      command.addAll(submitArgs);
      String folder = job.pipeline().definition().file().getParent().toString();
      command.addAll(job.schedule().maintain()
          ? List.of("--class", StrataMain.class.getName(), jobJar, "maintain", folder, "--warehouse", common.warehouse(), "--scheduled", job.id() + "@" + fire)
          : List.of("--class", StrataMain.class.getName(), jobJar, "run", folder, "--date", partition.toString(), "--warehouse", common.warehouse(),
              "--scheduled", job.id() + "@" + fire));
      job.schedule().layer().ifPresent(l -> command.addAll(List.of("--layer", l.key())));
      return runProcess(command, job.id() + " " + partition, out);
    };
  }

  private static int runProcess(List<String> command, String prefix, PrintWriter out) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        synchronized (out) {
          out.println("[" + prefix + "] " + line);
          out.flush();
        }
      }
    } finally {
      if (process.isAlive()) {
        process.destroy();
      }
    }
    return process.waitFor();
  }

  private static String ownJar() {
    Optional<String> location =
        Optional.ofNullable(StrataMain.class.getProtectionDomain().getCodeSource()).map(c -> c.getLocation().getPath());
    Errors.check(
        location.isPresent() && location.get().endsWith(".jar"),
        "Cannot schedule with --submit spark-submit: this command does not run from a jar; pass --jar with the job jar (jobs/target/strata-jobs-*-spark.jar).");
    return location.get();
  }

}

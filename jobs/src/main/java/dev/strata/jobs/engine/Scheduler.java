package dev.strata.jobs.engine;

import dev.strata.api.Partition;
import dev.strata.jobs.definition.Cron;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineDefinition;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs the schedules of some pipelines: at each fire time of a job's cron expression, a run of the
 * job's pipeline (or layer) for the interval that just closed. A job never runs more than its
 * {@code max_active_runs} intervals at once (default 1: never overlapping itself); an interval due
 * while the job is busy waits its turn. On start it reads from the ledger which intervals already
 * ran, so a restart neither repeats them nor forgets them: with {@code catchup}, every interval
 * missed since the last finished one runs (oldest first), otherwise only the latest.
 *
 * <p>Time comes from the {@link Clock} and waiting is {@link #runUntilStopped(Sleeper)}'s business,
 * so that tests drive a scheduler with a clock they move.
 */
public final class Scheduler {
  /** The most missed intervals a catch-up queues for one job at once; more follow as they finish. */
  static final int MAX_QUEUED = 1000;

  /** Starts the run of one interval and returns its exit code. */
  @FunctionalInterface
  public interface Launcher {
    int launch(Job job, Instant fire, Partition partition) throws Exception;
  }

  /** Waits until an instant, or less if woken. */
  @FunctionalInterface
  public interface Sleeper {
    void sleepUntil(Instant until, Object monitor) throws InterruptedException;
  }

  /** One scheduled job: a pipeline's schedule, with its cron expression compiled. */
  public record Job(Pipeline pipeline, PipelineDefinition.Schedule schedule, Cron cron) {
    public static Job of(Pipeline pipeline, PipelineDefinition.Schedule schedule) {
      return new Job(pipeline, schedule, Cron.of(schedule.cron(), schedule.zone()));
    }

    /** The finest granularity of the tables the job builds (its layer's, or all). */
    public Partition.Granularity finest() {
      return pipeline.tablesInOrder().stream().filter(t -> schedule.layer().isEmpty() || schedule.layer().get() == t.layer())
          .map(dev.strata.jobs.definition.TableDefinition::granularity).min(java.util.Comparator.naturalOrder())
          .orElse(Partition.Granularity.DAY);
    }

    /** {@code <pipeline>.<schedule>}: the name the ledger records. */
    public String id() {
      return pipeline.name() + "." + schedule.name();
    }
  }

  private final List<Job> jobs;
  private final Clock clock;
  private final Launcher launcher;
  private final PrintWriter out;
  private final ExecutorService pool;
  /** Per job: the last interval it finished or started (from the ledger, then from this process). */
  private final Map<String, Instant> last = new HashMap<>();
  /** Per job: intervals due and waiting for a free slot, oldest first. */
  private final Map<String, SortedSet<Instant>> waiting = new HashMap<>();
  /** Per job: intervals running now. */
  private final Map<String, Set<Instant>> active = new HashMap<>();
  private final List<String> outcomes = new ArrayList<>();
  private volatile boolean stopping;
  private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

  /**
   * @param finished per job id, the intervals the ledger says a run finished
   */
  public Scheduler(List<Job> jobs, Clock clock, Map<String, SortedSet<Instant>> finished, Launcher launcher, PrintWriter out) {
    this.jobs = List.copyOf(jobs);
    this.clock = clock;
    this.launcher = launcher;
    this.out = out;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "strata-schedule-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    Instant now = clock.instant();
    for (Job job : jobs) {
      SortedSet<Instant> done = finished.getOrDefault(job.id(), new TreeSet<>());
      if (!done.isEmpty()) {
        last.put(job.id(), done.last());
      } else {
        // Never ran: start with the interval that closed most recently (a new job does not run its whole past).
        job.cron().latestAtOrBefore(now).flatMap(f -> job.cron().previous(f)).ifPresent(p -> last.put(job.id(), p));
      }
      waiting.put(job.id(), new TreeSet<>());
      active.put(job.id(), new HashSet<>());
    }
  }

  /** The scheduler of some pipelines' schedules, reading what already ran from the warehouse's ledger. */
  public static Scheduler forPipelines(
      List<Pipeline> pipelines, Clock clock, Function<String, Map<String, SortedSet<Instant>>> finishedByPipeline, Launcher launcher,
      PrintWriter out) {
    List<Job> jobs = new ArrayList<>();
    Map<String, SortedSet<Instant>> finished = new HashMap<>();
    for (Pipeline p : pipelines) {
      p.definition().schedules().forEach(s -> jobs.add(Job.of(p, s)));
      if (!p.definition().schedules().isEmpty()) {
        finished.putAll(finishedByPipeline.apply(p.name()));
      }
    }
    return new Scheduler(jobs, clock, finished, launcher, out);
  }

  public List<Job> jobs() {
    return jobs;
  }

  /**
   * Starts every run that is due and has a free slot.
   *
   * @return when the next interval closes (the earliest over the jobs)
   */
  public synchronized Instant tick() {
    Instant now = clock.instant();
    Instant next = null;
    for (Job job : jobs) {
      String id = job.id();
      SortedSet<Instant> queue = waiting.get(id);
      Instant from = last.get(id);
      List<Instant> due = new ArrayList<>();
      for (Instant f = from == null ? job.cron().latestAtOrBefore(now).orElse(null) : job.cron().next(from).orElse(null);
          f != null && !f.isAfter(now) && due.size() < MAX_QUEUED;
          f = job.cron().next(f).orElse(null)) {
        due.add(f);
      }
      if (!due.isEmpty()) {
        last.put(id, due.get(due.size() - 1));
        if (!job.schedule().catchup()) {
          // Without catch-up, only the latest interval runs; older ones missed while down are skipped.
          if (due.size() > 1 || !queue.isEmpty()) {
            out.printf("%s: skipping %d missed interval(s) (catchup: false); running the latest, %s%n", id,
                due.size() - 1 + queue.size(), due.get(due.size() - 1));
          }
          queue.clear();
          due = List.of(due.get(due.size() - 1));
        }
        queue.addAll(due);
      }
      while (!stopping && !queue.isEmpty() && active.get(id).size() < job.schedule().maxActiveRuns()) {
        Instant fire = queue.first();
        queue.remove(fire);
        start(job, fire);
      }
      if (!queue.isEmpty() && active.get(id).size() >= job.schedule().maxActiveRuns()) {
        out.printf("%s: %d interval(s) waiting, %d run(s) active (max_active_runs %d)%n", id, queue.size(), active.get(id).size(),
            job.schedule().maxActiveRuns());
      }
      Optional<Instant> upcoming = job.cron().next(now);
      if (upcoming.isPresent() && (next == null || upcoming.get().isBefore(next))) {
        next = upcoming.get();
      }
    }
    out.flush();
    return next == null ? now.plus(Duration.ofDays(1)) : next;
  }

  private void start(Job job, Instant fire) {
    Partition partition = job.cron().partitionFor(fire, job.finest());
    active.get(job.id()).add(fire);
    out.printf("%s: starting the %s for %s (interval closed %s)%n", job.id(), job.schedule().maintain() ? "maintenance" : "run", partition, fire);
    pool.submit(() -> {
      int code;
      try {
        code = launcher.launch(job, fire, partition);
      } catch (Exception e) {
        code = 1;
        synchronized (this) {
          out.printf("%s: the run for %s could not start: %s%n", job.id(), partition, e.getMessage());
        }
      }
      synchronized (this) {
        active.get(job.id()).remove(fire);
        outcomes.add(job.id() + " " + partition + " exit " + code);
        out.printf("%s: the run for %s ended with exit code %d%n", job.id(), partition, code);
        out.flush();
        notifyAll();
      }
    });
  }

  /** How many runs of a job are running now. */
  public synchronized int active(String jobId) {
    return active.getOrDefault(jobId, Set.of()).size();
  }

  /** How many intervals of a job are due and waiting for a slot. */
  public synchronized int waiting(String jobId) {
    return waiting.getOrDefault(jobId, new TreeSet<>()).size();
  }

  /** "job partition exit N" for every run that ended, in the order they ended. */
  public synchronized List<String> outcomes() {
    return List.copyOf(outcomes);
  }

  /**
   * Ticks, then sleeps until the next interval closes or a run ends, until {@link #stop} is called;
   * returns once stop has let the active runs finish (the caller may then close the Spark session).
   */
  public void runUntilStopped(Sleeper sleeper) throws InterruptedException {
    while (!stopping) {
      Instant next = tick();
      synchronized (this) {
        if (!stopping) {
          sleeper.sleepUntil(next, this);
        }
      }
    }
    stopped.await();
  }

  /**
   * Starts no new run, waits up to {@code grace} for the active ones to end, and returns how many
   * were still running (a run stopped by the process's end leaves its table partitions as they
   * were: every write is atomic; its interval runs again after a restart).
   */
  public int stop(Duration grace) throws InterruptedException {
    synchronized (this) {
      stopping = true;
      notifyAll();
    }
    pool.shutdown();
    try {
      pool.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
      synchronized (this) {
        return active.values().stream().mapToInt(Set::size).sum();
      }
    } finally {
      stopped.countDown();
    }
  }

  /** A sleeper on the system clock: waits on the scheduler's monitor, which a run's end notifies. */
  public static Sleeper systemSleeper(Clock clock) {
    return (until, monitor) -> {
      long millis = Duration.between(clock.instant(), until).toMillis();
      if (millis > 0) {
        // Wake at least once a minute: a suspended machine's clock may have jumped.
        monitor.wait(Math.min(millis + 50, 60_000));
      }
    };
  }
}

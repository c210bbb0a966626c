package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineValidator;
import dev.strata.jobs.testing.TinyPipeline;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler's decisions, driven by a clock the test moves: which intervals run, in what
 * order, never more at once than max_active_runs, and what a restart does with what the ledger
 * says already ran. The launcher here records what it is asked to run and holds each run until
 * the test lets it end; the runs themselves are tested in ScheduleCommandTest.
 */
class SchedulerTest {
  @TempDir Path dir;

  private final dev.strata.jobs.testing.TestClock clock = dev.strata.jobs.testing.TestClock.at(Instant.parse("2024-01-05T06:30:00Z"));
  private final List<String> launched = new CopyOnWriteArrayList<>();
  private final Map<String, CountDownLatch> gates = new java.util.concurrent.ConcurrentHashMap<>();
  private final StringWriter printed = new StringWriter();
  private Scheduler scheduler;

  @AfterEach
  void release() throws InterruptedException {
    gates.values().forEach(CountDownLatch::countDown);
    if (scheduler != null) {
      scheduler.stop(Duration.ofSeconds(5));
    }
  }

  private Pipeline pipeline(String schedules) {
    Path p = TinyPipeline.define(dir, "sched", TinyPipeline.withBronze("sched", schedules), "b.sql", TinyPipeline.BRONZE_SQL);
    return PipelineValidator.validateOrThrow(p.resolve("pipeline.yaml"), "sched");
  }

  private Scheduler scheduler(Pipeline p, Map<String, SortedSet<Instant>> finished) {
    scheduler =
        Scheduler.forPipelines(
            List.of(p), clock, name -> finished,
            (job, fire, partition) -> {
              String what = job.id() + " " + partition + job.schedule().layer().map(l -> " " + l.key()).orElse("");
              CountDownLatch gate = new CountDownLatch(1);
              gates.put(what, gate);
              launched.add(what);
              gate.await(30, TimeUnit.SECONDS);
              return 0;
            },
            new PrintWriter(printed, true));
    return scheduler;
  }

  /** Lets a launched run end and waits until the scheduler has seen it end. */
  private void finish(String what) throws InterruptedException {
    for (int i = 0; i < 500 && !gates.containsKey(what); i++) {
      Thread.sleep(10);
    }
    int before = scheduler.outcomes().size();
    gates.get(what).countDown();
    for (int i = 0; i < 500 && scheduler.outcomes().size() == before; i++) {
      Thread.sleep(10);
    }
    assertThat(scheduler.outcomes()).hasSize(before + 1);
  }

  private void awaitLaunched(int n) throws InterruptedException {
    for (int i = 0; i < 500 && launched.size() < n; i++) {
      Thread.sleep(10);
    }
    Thread.sleep(50); // and nothing more
    assertThat(launched).hasSize(n);
  }

  private static final String DAILY = """
      schedules:
        daily:
          cron: "0 6 * * *"
          timezone: UTC
          catchup: %s
      """;

  @Test
  void aNewJobRunsTheIntervalThatClosedLastThenEachNextOneWithoutOverlappingItself() throws InterruptedException {
    Scheduler s = scheduler(pipeline(DAILY.formatted("true")), Map.of());
    Instant next = s.tick();
    // 06:30 on the 5th: the interval [4th 06:00, 5th 06:00) closed at 06:00; it builds the 4th.
    awaitLaunched(1);
    assertThat(launched).containsExactly("sched.daily 2024-01-04");
    assertThat(next).isEqualTo(Instant.parse("2024-01-06T06:00:00Z"));

    // A day later the run has not ended: the next interval waits (max_active_runs 1).
    clock.set(Instant.parse("2024-01-06T06:00:00Z"));
    s.tick();
    awaitLaunched(1);
    assertThat(s.active("sched.daily")).isEqualTo(1);
    assertThat(s.waiting("sched.daily")).isEqualTo(1);
    assertThat(printed.toString()).contains("sched.daily: 1 interval(s) waiting, 1 run(s) active (max_active_runs 1)");

    finish("sched.daily 2024-01-04");
    s.tick();
    awaitLaunched(2);
    assertThat(launched).containsExactly("sched.daily 2024-01-04", "sched.daily 2024-01-05");
    assertThat(s.waiting("sched.daily")).isZero();
    // Ticking again at the same time starts nothing new.
    s.tick();
    awaitLaunched(2);
  }

  @Test
  void afterDowntimeCatchupRunsEveryMissedIntervalOldestFirstFromWhatTheLedgerSaysRan() throws InterruptedException {
    SortedSet<Instant> ran = new TreeSet<>(List.of(Instant.parse("2024-01-01T06:00:00Z")));
    Scheduler s = scheduler(pipeline(DAILY.formatted("true")), Map.of("sched.daily", ran));
    s.tick();
    awaitLaunched(1);
    assertThat(s.waiting("sched.daily")).isEqualTo(3);
    int n = 1;
    for (String day : List.of("2024-01-01", "2024-01-02", "2024-01-03")) {
      finish("sched.daily " + day);
      s.tick();
      awaitLaunched(++n);
    }
    assertThat(launched).containsExactly(
        "sched.daily 2024-01-01", "sched.daily 2024-01-02", "sched.daily 2024-01-03", "sched.daily 2024-01-04");
  }

  @Test
  void withoutCatchupOnlyTheLatestMissedIntervalRuns() throws InterruptedException {
    SortedSet<Instant> ran = new TreeSet<>(List.of(Instant.parse("2024-01-01T06:00:00Z")));
    Scheduler s = scheduler(pipeline(DAILY.formatted("false")), Map.of("sched.daily", ran));
    s.tick();
    awaitLaunched(1);
    assertThat(launched).containsExactly("sched.daily 2024-01-04");
    assertThat(s.waiting("sched.daily")).isZero();
    assertThat(printed.toString()).contains("skipping 3 missed interval(s) (catchup: false)");
  }

  @Test
  void anIntervalTheLedgerSaysRanIsNotRunAgainAfterARestart() throws InterruptedException {
    SortedSet<Instant> ran = new TreeSet<>(List.of(Instant.parse("2024-01-05T06:00:00Z")));
    Scheduler s = scheduler(pipeline(DAILY.formatted("true")), Map.of("sched.daily", ran));
    assertThat(s.tick()).isEqualTo(Instant.parse("2024-01-06T06:00:00Z"));
    awaitLaunched(0);
    clock.set(Instant.parse("2024-01-06T06:00:00Z"));
    s.tick();
    awaitLaunched(1);
    assertThat(launched).containsExactly("sched.daily 2024-01-05");
  }

  @Test
  void timeZonesLayersAndSeveralActiveRunsFollowTheDefinition() throws InterruptedException {
    // 06:00 in Paris is 05:00 UTC in winter; the partition is the Paris date of the interval's start.
    clock.set(Instant.parse("2024-01-05T05:10:00Z"));
    Pipeline p = pipeline("""
        schedules:
          bronze_hourly:
            cron: "0 * * * *"
            timezone: Europe/Paris
            layer: bronze
            catchup: true
            max_active_runs: 2
        """);
    SortedSet<Instant> ran = new TreeSet<>(List.of(Instant.parse("2024-01-05T02:00:00Z")));
    Scheduler s = scheduler(p, Map.of("sched.bronze_hourly", ran));
    s.tick();
    // Missed: 03:00, 04:00, 05:00 UTC; two at once.
    awaitLaunched(2);
    assertThat(s.waiting("sched.bronze_hourly")).isEqualTo(1);
    assertThat(launched).containsOnly("sched.bronze_hourly 2024-01-05 bronze");
    assertThat(ZoneId.of("Europe/Paris").getRules().getOffset(clock.instant())).isEqualTo(ZoneOffset.ofHours(1));
  }

  @Test
  void definitionsWithBadSchedulesAreRejectedWithTheirLine() {
    Path p = TinyPipeline.define(dir, "bad", TinyPipeline.withBronze("bad", """
        schedules:
          daily:
            cron: "0 25 * * *"
            timezone: Mars/Olympus
            max_active_runs: 0
          nightly:
            cron: "0 3 * * *"
            job: maintain
            layer: silver
          weekly:
            cron: "0 3 * * 0"
            job: vacuum
        """), "b.sql", TinyPipeline.BRONZE_SQL);
    var problems = PipelineValidator.validate(p.resolve("pipeline.yaml")).problems();
    assertThat(problems.toString())
        .contains("schedules.daily.cron", "is not a Unix cron expression")
        .contains("schedules.daily.timezone", "unknown time zone 'Mars/Olympus'")
        .contains("schedules.daily.max_active_runs", "at least 1")
        .contains("schedules.nightly.layer", "maintenance covers every table of the pipeline")
        .contains("schedules.weekly.job", "expected run (the default: a run of the interval's partition) or maintain")
        .contains("pipeline.yaml:");
  }
}

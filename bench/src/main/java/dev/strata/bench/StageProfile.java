package dev.strata.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Where a side's time goes: a Spark listener that sums, per call site (the name Spark gives each
 * stage: "parquet at StagedWrite.java:52"), the executor time of its tasks, the bytes they
 * read and wrote and shuffled, and counts the jobs. A bench side is profiled between {@link
 * #start} and {@link #stop}; only one side runs at a time.
 */
final class StageProfile extends SparkListener {
  /** "save at StagedWrite.java:114" → "StagedWrite.java:114 save". */
  private static final Pattern CALL_SITE = Pattern.compile("(\\S+) at (\\S+)");

  /** The engine's first frame in a stage's stack: "dev.strata.jobs.ledger.Ledger.append(Ledger.java:587)" → "Ledger.java:587". */
  private static final Pattern STRATA_FRAME = Pattern.compile("dev\\.strata\\.[\\w.$]+\\(([\\w]+\\.java:\\d+)\\)");

  private volatile Map<String, Site> current;
  private final Map<Integer, String> stageSites = new ConcurrentHashMap<>();
  private volatile long jobs;
  /** Per part of a side (a table's build, the run around them): its call sites and jobs, if the side is split. */
  private volatile java.util.function.Function<java.util.Properties, String> part;
  private final Map<String, Map<String, Site>> partSites = new ConcurrentHashMap<>();
  private final Map<String, Long> partJobs = new ConcurrentHashMap<>();
  private final Map<Integer, String> stageParts = new ConcurrentHashMap<>();

  private StageProfile() {}

  static StageProfile attach(SparkContext sc) {
    StageProfile p = new StageProfile();
    sc.addSparkListener(p);
    return p;
  }

  /** Starts collecting a new side's figures. */
  void start() {
    jobs = 0;
    current = new ConcurrentHashMap<>();
  }

  /**
   * Starts collecting a new side's figures, split into parts as well: {@code part} names the part
   * of each job from its properties (Spark's job group and description, which the engine sets per
   * table build).
   */
  void start(java.util.function.Function<java.util.Properties, String> part) {
    partSites.clear();
    partJobs.clear();
    this.part = part;
    start();
  }

  /** Stops collecting: the side's figures per call site, and its job count. */
  Profile stop() {
    Map<String, Site> sites = current;
    current = null;
    part = null;
    return new Profile(new LinkedHashMap<>(sites), jobs);
  }

  /** The figures of each part of the side last profiled with {@link #start(java.util.function.Function)}. */
  Map<String, Profile> parts() {
    Map<String, Profile> parts = new LinkedHashMap<>();
    partSites.forEach((k, v) -> parts.put(k, new Profile(new LinkedHashMap<>(v), partJobs.getOrDefault(k, 0L))));
    return parts;
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    if (current == null) {
      return;
    }
    jobs++;
    // The job counts once, at the call site of its last stage (the one whose result it returns).
    org.apache.spark.scheduler.StageInfo result = null;
    scala.collection.Iterator<org.apache.spark.scheduler.StageInfo> stages = jobStart.stageInfos().iterator();
    while (stages.hasNext()) {
      org.apache.spark.scheduler.StageInfo s = stages.next();
      if (result == null || s.stageId() > result.stageId()) {
        result = s;
      }
    }
    if (result != null) {
      current.computeIfAbsent(site(result.name(), result.details()), k -> new Site()).addJob();
    }
    java.util.function.Function<java.util.Properties, String> split = part;
    String named = split == null ? null : split.apply(jobStart.properties() == null ? new java.util.Properties() : jobStart.properties());
    if (named != null) {
      partJobs.merge(named, 1L, Long::sum);
    }
    scala.collection.Iterator<org.apache.spark.scheduler.StageInfo> it = jobStart.stageInfos().iterator();
    while (it.hasNext()) {
      org.apache.spark.scheduler.StageInfo s = it.next();
      stageSites.put(s.stageId(), site(s.name(), s.details()));
      if (named != null) {
        stageParts.put(s.stageId(), named);
      }
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    Map<String, Site> sites = current;
    TaskMetrics m = taskEnd.taskMetrics();
    if (sites == null || m == null) {
      return;
    }
    String site = stageSites.getOrDefault(taskEnd.stageId(), "unknown");
    sites.computeIfAbsent(site, k -> new Site()).add(m);
    String named = stageParts.get(taskEnd.stageId());
    if (named != null) {
      partSites.computeIfAbsent(named, k -> new ConcurrentHashMap<>()).computeIfAbsent(site, k -> new Site()).add(m);
    }
  }

  private static String site(String stageName, String details) {
    if (stageName.contains("recordDeltaOperation")) {
      // Delta's own jobs (reconstructing a snapshot's state, writing checkpoints) all carry its
      // logging wrapper's call site: named by the engine's frame that caused them.
      Matcher caller = STRATA_FRAME.matcher(details == null ? "" : details);
      return "Delta log: snapshot state, checkpoints" + (caller.find() ? " (" + caller.group(1) + ")" : "");
    }
    Matcher m = CALL_SITE.matcher(stageName);
    return m.find() ? m.group(2) + " " + m.group(1) : stageName;
  }

  /** The figures of one call site, summed over its tasks. */
  static final class Site {
    long tasks;
    long runMillis;
    long cpuNanos;
    long bytesRead;
    long bytesWritten;
    long shuffleBytes;
    long jobs;

    synchronized void addJob() {
      jobs++;
    }

    synchronized void add(TaskMetrics m) {
      tasks++;
      runMillis += m.executorRunTime();
      cpuNanos += m.executorCpuTime();
      bytesRead += m.inputMetrics().bytesRead();
      bytesWritten += m.outputMetrics().bytesWritten();
      shuffleBytes += m.shuffleWriteMetrics().bytesWritten();
    }

    synchronized void addAll(Site o) {
      tasks += o.tasks;
      runMillis += o.runMillis;
      cpuNanos += o.cpuNanos;
      bytesRead += o.bytesRead;
      bytesWritten += o.bytesWritten;
      shuffleBytes += o.shuffleBytes;
      jobs += o.jobs;
    }
  }

  /**
   * One side's profile.
   *
   * @param sites per call site
   * @param jobs Spark jobs it ran
   */
  record Profile(Map<String, Site> sites, long jobs) {
    Site total() {
      Site t = new Site();
      sites.values().forEach(t::addAll);
      return t;
    }

    /** Adds another run's figures (the counted runs of a side are summed, then divided by their number). */
    Profile plus(Profile o) {
      Map<String, Site> all = new LinkedHashMap<>();
      for (Profile p : List.of(this, o)) {
        p.sites.forEach((k, v) -> all.computeIfAbsent(k, x -> new Site()).addAll(v));
      }
      return new Profile(all, jobs + o.jobs);
    }

    static Profile empty() {
      return new Profile(new LinkedHashMap<>(), 0);
    }
  }

  /**
   * A markdown table of where {@code candidate} spends more executor time than {@code baseline},
   * per call site, over {@code runs} runs of each: the biggest differences first.
   */
  static String difference(
      String baselineName, Profile baseline, double baselineWall, String candidateName, Profile candidate, double candidateWall, int runs,
      int top) {
    Map<String, Double> diff = new LinkedHashMap<>();
    Map<String, Double> jobDiff = new LinkedHashMap<>();
    for (String k : candidate.sites().keySet()) {
      diff.put(k, candidate.sites().get(k).runMillis / 1000.0 / runs);
      jobDiff.put(k, candidate.sites().get(k).jobs / (double) runs);
    }
    baseline.sites().forEach((k, v) -> {
      diff.merge(k, -v.runMillis / 1000.0 / runs, Double::sum);
      jobDiff.merge(k, -v.jobs / (double) runs, Double::sum);
    });
    StringBuilder md = new StringBuilder();
    Site b = baseline.total();
    Site c = candidate.total();
    md.append(String.format(Locale.ROOT,
        "| per run | %s | %s |%n|---|---:|---:|%n| wall time (median) | %.1f s | %.1f s |%n| Spark jobs | %d | %d |%n"
            + "| executor time | %.1f s | %.1f s |%n"
            + "| bytes read | %s | %s |%n| bytes written | %s | %s |%n| bytes shuffled | %s | %s |%n%n",
        baselineName, candidateName, baselineWall, candidateWall, baseline.jobs() / runs, candidate.jobs() / runs, b.runMillis / 1000.0 / runs, c.runMillis / 1000.0 / runs,
        mb(b.bytesRead / runs), mb(c.bytesRead / runs), mb(b.bytesWritten / runs), mb(c.bytesWritten / runs),
        mb(b.shuffleBytes / runs), mb(c.shuffleBytes / runs)));
    md.append(String.format(Locale.ROOT, "| call site (Spark stage) | executor time, %s minus %s | Spark jobs, the same |%n|---|---:|---:|%n",
        candidateName, baselineName));
    diff.entrySet().stream()
        .sorted((x, y) -> Double.compare(Math.abs(y.getValue()), Math.abs(x.getValue())))
        .limit(top)
        .forEach(e -> md.append(String.format(Locale.ROOT, "| `%s` | %+.1f s | %+.0f |%n", e.getKey(), e.getValue(), jobDiff.get(e.getKey()))));
    return md.toString();
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
  }
}

package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.col;

import dev.strata.api.Partition;
import io.delta.tables.DeltaTable;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Reading published Delta tables: one place for "the rows of a partition, if the table exists". */
public final class DeltaTables {
  private DeltaTables() {}

  /**
   * The rows of a Delta table, restricted to one partition unless {@code partition} is null; empty if
   * there is no Delta table at the path.
   */
  public static Optional<Dataset<Row>> read(SparkSession spark, String path, String partitionColumn, Partition partition) {
    if (!exists(spark, path)) {
      return Optional.empty();
    }
    Dataset<Row> rows;
    try {
      rows = spark.read().format("delta").load(path);
    } catch (Exception e) {
      throw unreadable(path, e);
    }
    return Optional.of(partition == null ? rows : rows.where(Partitions.equalTo(rows.schema(), partitionColumn, partition)));
  }

  /**
   * A table's rows for a partition as readers see them: the rows of a partitioned table whose
   * partitions share time with it (the partition itself, the hours of a day, the day of an hour,
   * every row for an unpartitioned reader or table), or a history table as of that day (each key's
   * version valid then, with the partition column set to the partition; the current versions for
   * an unpartitioned reader). Empty if the table does not exist.
   */
  public static Optional<Dataset<Row>> partition(SparkSession spark, Warehouse warehouse, dev.strata.jobs.definition.TableDefinition table, Partition day) {
    String path = warehouse.tablePath(table.layer(), table.name());
    if (!table.isHistory()) {
      return read(spark, path, null, null)
          .map(rows -> rows.where(Partitions.overlapping(rows.schema(), table.partitionColumn(), table.granularity(), day)));
    }
    if (day.isWhole()) {
      return read(spark, path, null, null).map(HistoryTable::current);
    }
    return read(spark, path, null, null)
        .map(h -> HistoryTable.asOf(h, day.date()).withColumn(table.partitionColumn(), Partitions.literal(true, day)));
  }

  private static final java.util.concurrent.ConcurrentHashMap<String, Object> CREATING = new java.util.concurrent.ConcurrentHashMap<>();

  /** Tables of this JVM whose first partition is being written into their folder (see {@link #claimCreation}). */
  private static final java.util.concurrent.ConcurrentHashMap<String, Thread> CREATING_IN_PLACE = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The file a write that creates a table puts in the table's folder before writing its first
   * data files there, and removes once its first commit has landed: a folder with files, no Delta
   * log and this marker is a first write that never committed (its files are named by no log and
   * the table does not exist yet), not a table whose log was lost. Delta ignores files whose names
   * start with an underscore.
   */
  public static final String FIRST_WRITE_MARKER = "_strata_first_write";

  /**
   * Claims, within this JVM, the creation of the table at {@code path} by a write into its folder;
   * false if another write of this JVM holds the claim (that write then stages its rows and waits
   * in {@link #write} for the first commit). Released by {@link #releaseCreation}.
   */
  public static boolean claimCreation(String path) {
    Thread owner = CREATING_IN_PLACE.putIfAbsent(path, Thread.currentThread());
    return owner == null || owner == Thread.currentThread();
  }

  /** Gives a claim of {@link #claimCreation} up, once its write committed or gave up; wakes writes waiting in {@link #write}. */
  public static void releaseCreation(String path) {
    Object lock = CREATING.computeIfAbsent(path, p -> new Object());
    synchronized (lock) {
      CREATING_IN_PLACE.remove(path);
      lock.notifyAll();
    }
  }

  /**
   * Runs a write that may create the table at {@code path}. Two first commits racing would both
   * try to write version 0 and one would fail with a concurrent-protocol conflict; within this
   * JVM the first creates the table and the others wait for it, then commit on top. (Across
   * processes the conflict can still happen, and is retried as transient.)
   */
  public static <T> T write(SparkSession spark, String path, java.util.function.Supplier<T> write) {
    if (isDelta(spark, path)) {
      return write.get();
    }
    Object lock = CREATING.computeIfAbsent(path, p -> new Object());
    synchronized (lock) {
      for (Thread owner = CREATING_IN_PLACE.get(path); owner != null; owner = CREATING_IN_PLACE.get(path)) {
        // Another write of this JVM is creating the table in place: commit on top of its first commit.
        if (owner == Thread.currentThread()) {
          break;
        }
        if (!owner.isAlive()) {
          // Its thread ended without giving the claim up (an Error no build catches): nobody will.
          CREATING_IN_PLACE.remove(path, owner);
          continue;
        }
        try {
          lock.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the first commit of " + path, e);
        }
      }
      if (isDelta(spark, path)) {
        return write.get();
      }
      // Inside the lock no other write of this JVM is creating the table, so files without a log
      // are a damaged table (or another process's first commit under way: see exists).
      exists(spark, path);
      return write.get();
    }
  }

  /**
   * Whether a Delta table is at {@code path}: true if its log has at least one version, false if
   * there is nothing there yet (no folder, a folder without any file, or the files of a first
   * write that has not committed, which leaves {@link #FIRST_WRITE_MARKER}). Every place that decides
   * between "the table" and "a new table" asks this, so that a damaged table is never taken for a
   * new one: a first commit there would make a version 0 holding only the new rows, and every
   * other partition would silently be gone.
   *
   * @throws dev.strata.api.StrataException.JobFailedException (exit 4) if the folder holds files
   *     but no Delta log (the log was deleted or never copied), or its log cannot be read
   */
  public static boolean exists(SparkSession spark, String path) {
    if (isDelta(spark, path)) {
      return true;
    }
    org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(path);
    org.apache.hadoop.fs.LocatedFileStatus found;
    try {
      org.apache.hadoop.fs.FileSystem fs = folder.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(folder)) {
        return false;
      }
      if (hasCommits(fs, new org.apache.hadoop.fs.Path(folder, "_delta_log"))) {
        // Delta answered from a snapshot it cached before another process made the table's first
        // commit; the log says the table is there (reads and writes bring the snapshot up to date).
        return true;
      }
      if (fs.exists(new org.apache.hadoop.fs.Path(folder, FIRST_WRITE_MARKER))) {
        // A first write under way, or one that never committed: its files are named by no log.
        return false;
      }
      org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files = fs.listFiles(folder, true);
      found = files.hasNext() ? files.next() : null;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (found == null) {
      return false;
    }
    if (System.currentTimeMillis() - found.getModificationTime() < CREATION_WINDOW.toMillis()) {
      // Data files written moments ago and no log yet: most likely another process's first commit
      // under way (it writes its files, then version 0). Transient: the caller's retry finds the table.
      throw new java.io.UncheckedIOException(new java.io.IOException(
          "the table at " + path + " has new files (" + found.getPath() + ") but no Delta log yet: another writer may be creating it"));
    }
    throw dev.strata.jobs.Errors.damagedTable(path, "holds files (e.g. " + found.getPath() + ") but no Delta log with a version in "
        + path + "/_delta_log");
  }

  /**
   * As {@link #exists}, and if the table exists, also replays its log as a reader would (every
   * commit since the last checkpoint, to the list of its files), so that a log that lists fine but
   * does not parse or fails its checksum fails here, with the damaged-table message, rather than in
   * the middle of a run. The snapshot is Delta's cached one, which the run's own reads then reuse.
   *
   * @throws dev.strata.api.StrataException.JobFailedException (exit 4) for a damaged table
   */
  public static boolean check(SparkSession spark, String path) {
    if (!exists(spark, path)) {
      return false;
    }
    try {
      // inputFiles() replays the whole log (every commit since the last checkpoint): a schema alone
      // can come from Delta's version checksum file without reading a single commit.
      spark.read().format("delta").load(path).inputFiles();
    } catch (Exception e) {
      throw unreadable(path, e);
    }
    return true;
  }

  /**
   * {@link #check} of every path, several at a time (each is a replay of its log: a few small jobs
   * and their planning on the driver, which overlap well); the first damaged path in the list's
   * order is the one reported, as if they had been checked one after the other.
   *
   * @throws dev.strata.api.StrataException.JobFailedException (exit 4) naming that table
   */
  public static void checkAll(SparkSession spark, java.util.List<String> paths) {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, Math.min(4, paths.size())), r -> {
      Thread t = new Thread(r, "strata-check");
      t.setDaemon(true);
      return t;
    });
    try {
      java.util.List<java.util.concurrent.Future<?>> checks = new java.util.ArrayList<>();
      for (String path : paths) {
        checks.add(pool.submit(() -> check(spark, path)));
      }
      for (java.util.concurrent.Future<?> c : checks) {
        try {
          c.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while checking the tables", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static final java.util.regex.Pattern LOG_ENTRY =
      java.util.regex.Pattern.compile("\\d{20}\\.(json|checkpoint(\\..+)?\\.parquet)|_last_checkpoint");

  /** Whether a Delta log folder holds a commit or a checkpoint, as its listing says now. */
  private static boolean hasCommits(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path log) throws java.io.IOException {
    try {
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(log)) {
        if (LOG_ENTRY.matcher(f.getPath().getName()).matches()) {
          return true;
        }
      }
      return false;
    } catch (java.io.FileNotFoundException e) {
      return false;
    }
  }

  /**
   * How recent the files of a folder without a Delta log may be for it to count as a table being
   * created by another writer (transient) rather than a damaged one.
   */
  static final java.time.Duration CREATION_WINDOW = java.time.Duration.ofMinutes(2);

  /** Delta's strict check (its default): a _delta_log folder with a readable version 0 or later. */
  private static boolean isDelta(SparkSession spark, String path) {
    try {
      return DeltaTable.isDeltaTable(spark, path);
    } catch (Exception e) {
      throw unreadable(path, e);
    }
  }

  /**
   * A failure to read a table's log: storage trouble (an I/O error, retried as transient) stays
   * what it is; anything else (a log that does not parse, a checksum that does not match, a
   * missing commit) is a damaged table.
   */
  private static RuntimeException unreadable(String path, Exception e) {
    if (e instanceof dev.strata.api.StrataException se) {
      return se;
    }
    boolean damaged = false;
    java.io.IOException io = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      damaged |= t instanceof org.apache.hadoop.fs.ChecksumException || t instanceof java.io.FileNotFoundException
          || t instanceof com.fasterxml.jackson.core.JsonProcessingException;
      if (io == null && t instanceof java.io.IOException i) {
        io = i;
      }
    }
    if (io != null && !damaged) {
      return new java.io.UncheckedIOException("Cannot read the Delta log of " + path, io);
    }
    return dev.strata.jobs.Errors.damagedTable(path, "has a Delta log that cannot be read (" + dev.strata.jobs.Errors.rootMessage(e) + ")");
  }

  /**
   * The Delta setting whose value every commit of a session records as its {@code userMetadata}
   * (shown by {@code DESCRIBE HISTORY}): a build sets it to name its run, table and partition, so
   * that its commits can be found again and read back by whoever audits the table.
   */
  public static final String COMMIT_USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata";

  /**
   * A commit: its version and the data files and bytes it added (a partition overwrite's {@code
   * numFiles}/{@code numOutputBytes}, a MERGE's {@code numTargetFilesAdded}/{@code
   * numTargetBytesAdded}; -1 if the log does not say).
   */
  public record Commit(long version, long files, long bytes) {}

  /**
   * The commit this session just made to the table at {@code path}: the latest one, or, if another
   * writer committed since, the latest one with this session's {@link #COMMIT_USER_METADATA}. One
   * read of the log's newest entry in the usual case.
   */
  public static Commit committed(SparkSession spark, String path) {
    try {
      return lastCommit(spark, path);
    } catch (Exception e) {
      // Called once the commit returned: it stands, only its figures are unknown.
      return new Commit(-1, -1, -1);
    }
  }

  private static Commit lastCommit(SparkSession spark, String path) {
    String marker = spark.conf().get(COMMIT_USER_METADATA, "");
    DeltaTable table = DeltaTable.forPath(spark, path);
    Column[] wanted = {col("version"), col("operationMetrics"), col("userMetadata")};
    java.util.List<Row> latest = table.history(1).select(wanted).collectAsList();
    Row found = latest.get(0);
    if (!marker.isEmpty() && !marker.equals(found.getString(2))) {
      java.util.List<Row> mine =
          table.history(50).select(wanted).where(col("userMetadata").equalTo(marker)).orderBy(col("version").desc()).limit(1).collectAsList();
      found = mine.isEmpty() ? found : mine.get(0);
    }
    java.util.Map<String, String> m = found.isNullAt(1) ? java.util.Map.of() : found.getJavaMap(1);
    return new Commit(found.getLong(0), metric(m, "numFiles", "numTargetFilesAdded"), metric(m, "numOutputBytes", "numTargetBytesAdded"));
  }

  private static long metric(java.util.Map<String, String> metrics, String... names) {
    for (String n : names) {
      if (metrics.containsKey(n)) {
        return Long.parseLong(metrics.get(n));
      }
    }
    return -1;
  }

  private static final java.util.regex.Pattern COMMIT = java.util.regex.Pattern.compile("(\\d{20})\\.json");

  /**
   * How many data files the table's latest version holds, as its version checksum says ({@code
   * <version>.crc} beside the commit, which Delta writes with each commit: the "Version Checksum
   * File" of the Delta protocol): one listing of the log and one small read, no job. Empty if the
   * latest version has no checksum (a writer that does not write them, a commit being written).
   */
  public static Optional<Long> fileCount(SparkSession spark, String path) {
    try {
      org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(path, "_delta_log");
      org.apache.hadoop.fs.FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      String latest = null;
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(log)) {
        java.util.regex.Matcher m = COMMIT.matcher(f.getPath().getName());
        if (m.matches() && (latest == null || m.group(1).compareTo(latest) > 0)) {
          latest = m.group(1);
        }
      }
      if (latest == null) {
        return Optional.empty();
      }
      org.apache.hadoop.fs.Path crc = new org.apache.hadoop.fs.Path(log, latest + ".crc");
      if (!fs.exists(crc)) {
        return Optional.empty();
      }
      try (java.io.InputStream in = fs.open(crc)) {
        com.fasterxml.jackson.databind.JsonNode files = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).get("numFiles");
        return files == null || !files.canConvertToLong() ? Optional.empty() : Optional.of(files.asLong());
      }
    } catch (java.io.IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The table's latest Delta version. */
  public static long version(SparkSession spark, String path) {
    exists(spark, path);
    return DeltaTable.forPath(spark, path).history(1).select("version").head().getLong(0);
  }
}

package dev.strata.jobs.engine;

import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.Ledger;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Leases on (table, partition), so that two runs never build the same table partition at the same
 * time, whether they run in one JVM or in two processes on two machines; runs on other partitions
 * or tables are not held up.
 *
 * <p>A lease is a small file, {@code <warehouse>/_strata/locks/<pipeline>/<table>/<partition>.lock},
 * naming the run, host and process that holds it. It is created only if absent: on a local disk
 * with {@code O_CREAT|O_EXCL}, elsewhere with Hadoop's {@code create(overwrite=false)}, atomic on
 * HDFS. While held, its modification time is refreshed every {@link #HEARTBEAT}; a lease not
 * refreshed for {@link #EXPIRY}, or held by a process of this host that no longer exists (a run
 * killed with SIGKILL), is stale and is taken over.
 *
 * <p>On S3 a create-if-absent is not atomic (hadoop-aws 3.3), so two runs racing for the same
 * partition within milliseconds could both proceed; Delta's own conflict detection then fails one
 * of the two commits (and it is retried). Schedulers should still not start overlapping runs of
 * one partition there; {@code max_active_runs} in schedules defaults to 1 for that reason.
 */
public final class PartitionLocks implements AutoCloseable {
  static final Duration HEARTBEAT = Duration.ofSeconds(10);
  static final Duration EXPIRY = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofSeconds(1);

  private final FileSystem fs;
  private final boolean local;
  private final String root;
  private final String runId;
  private final Clock clock;
  private final Warehouse warehouse;
  private final String pipeline;
  private final Map<dev.strata.jobs.run.UnitId, Path> held = new ConcurrentHashMap<>();
  private final ScheduledExecutorService heartbeat;

  /** Who holds a lease, as its file says. */
  public record Holder(String runId, String host, long pid, Instant acquiredAt, Instant refreshedAt) {
    /** Who holds the lease, in words. */
    public String describe() {
      return String.format("run %s (host %s, pid %d, since %s)", runId, host, pid, acquiredAt);
    }
  }

  public PartitionLocks(Configuration conf, Warehouse warehouse, String pipeline, String runId, Clock clock) {
    this.warehouse = warehouse;
    this.pipeline = pipeline;
    this.root = warehouse.locksRoot(pipeline);
    this.runId = runId;
    this.clock = clock;
    try {
      this.fs = new Path(root).getFileSystem(conf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.local = "file".equals(fs.getScheme());
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-lock-heartbeat");
              t.setDaemon(true);
              return t;
            });
    heartbeat.scheduleWithFixedDelay(this::refreshAll, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Path path(String table, Partition partition) {
    return new Path(warehouse.lockPath(pipeline, table, partition));
  }

  /**
   * Takes the lease on a table partition, waiting up to {@code timeout} for another run to
   * release it.
   *
   * @throws dev.strata.api.StrataException.LockedException if another run still holds it after the wait
   */
  public void acquire(String table, Partition partition, Duration timeout) {
    Path lock = path(table, partition);
    Instant deadline = clock.instant().plus(timeout);
    while (true) {
      if (tryCreate(lock)) {
        held.put(dev.strata.jobs.run.UnitId.of(table, partition), lock);
        return;
      }
      Optional<Holder> holder = holder(lock);
      if (holder.isPresent() && stale(holder.get(), lock)) {
        takeOver(lock, holder.get());
        continue;
      }
      if (!clock.instant().isBefore(deadline)) {
        throw Errors.partitionLocked(table, partition, holder.map(Holder::describe).orElse("another run"), timeout, lock.toString());
      }
      Retrier.sleep(POLL);
    }
  }

  /** Gives a lease back; a lease this run does not hold is left alone. */
  public void release(String table, Partition partition) {
    Path lock = held.remove(dev.strata.jobs.run.UnitId.of(table, partition));
    if (lock == null) {
      return;
    }
    try {
      Optional<Holder> holder = holder(lock);
      if (holder.isPresent() && holder.get().runId().equals(runId)) {
        fs.delete(lock, false);
      }
    } catch (IOException | RuntimeException e) {
      // The lease expires on its own once it is no longer refreshed.
    }
  }

  @Override
  public void close() {
    heartbeat.shutdownNow();
    held.keySet().forEach(u -> release(u.table(), u.partition()));
  }

  /** Who holds the lease of a table partition, if anyone. */
  public Optional<Holder> holder(String table, Partition partition) {
    return holder(path(table, partition));
  }

  /**
   * The live leases other runs hold on any partition of a table: what a change to the whole table
   * (the compaction of a table Delta does not partition) waits for.
   */
  public java.util.List<Holder> heldOn(String table) {
    Path folder = new Path(root + "/" + table);
    java.util.List<Holder> live = new java.util.ArrayList<>();
    try {
      if (!fs.exists(folder)) {
        return live;
      }
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(folder)) {
        if (f.getPath().getName().endsWith(".lock")) {
          holder(f.getPath()).filter(h -> !h.runId().equals(runId) && !stale(h, f.getPath())).ifPresent(live::add);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return live;
  }

  private boolean tryCreate(Path lock) {
    byte[] content = content(clock.instant());
    try {
      fs.mkdirs(lock.getParent());
      if (local) {
        java.nio.file.Path file = Paths.get(lock.toUri());
        Files.write(file, content, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        return true;
      }
      try (OutputStream out = fs.create(lock, false)) {
        out.write(content);
      }
      return true;
    } catch (FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (exists(lock)) {
        return false;
      }
      throw new UncheckedIOException(e);
    }
  }

  private boolean exists(Path lock) {
    try {
      return fs.exists(lock);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] content(Instant at) {
    Properties p = new Properties();
    p.setProperty("run_id", runId);
    p.setProperty("host", Ledger.host());
    p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
    p.setProperty("acquired_at", at.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      p.store(out, "strata partition lease");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private Optional<Holder> holder(Path lock) {
    try {
      var status = fs.getFileStatus(lock);
      Properties p = new Properties();
      try (InputStream in = fs.open(lock)) {
        p.load(in);
      }
      if (p.getProperty("run_id") == null) {
        // Being written right now: held, by a run not known yet.
        return Optional.of(new Holder("(being acquired)", "", -1, clock.instant(), clock.instant()));
      }
      return Optional.of(
          new Holder(
              p.getProperty("run_id"), p.getProperty("host", ""), Long.parseLong(p.getProperty("pid", "-1")),
              Instant.parse(p.getProperty("acquired_at")), Instant.ofEpochMilli(status.getModificationTime())));
    } catch (java.io.FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(new Holder("(unreadable lease)", "", -1, clock.instant(), clock.instant()));
    }
  }

  private boolean stale(Holder h, Path lock) {
    if (h.pid() < 0) {
      return false;
    }
    boolean deadHere = h.host().equals(Ledger.host()) && ProcessHandle.of(h.pid()).map(ph -> !ph.isAlive()).orElse(true);
    return deadHere || h.refreshedAt().plus(EXPIRY).isBefore(clock.instant());
  }

  /** Removes a stale lease, unless it changed hands since it was found stale. */
  private void takeOver(Path lock, Holder stale) {
    Optional<Holder> now = holder(lock);
    if (now.isPresent() && now.get().runId().equals(stale.runId()) && now.get().acquiredAt().equals(stale.acquiredAt())) {
      try {
        fs.delete(lock, false);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void refreshAll() {
    for (Path lock : held.values()) {
      try {
        if (local) {
          fs.setTimes(lock, clock.millis(), -1);
        } else {
          // Object stores keep no settable mtime: rewrite the lease (same holder, new time).
          Optional<Holder> h = holder(lock);
          if (h.isPresent() && h.get().runId().equals(runId)) {
            try (OutputStream out = fs.create(lock, true)) {
              out.write(content(h.get().acquiredAt()));
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // The next heartbeat tries again; a lease expires only after several missed ones.
      }
    }
  }
}

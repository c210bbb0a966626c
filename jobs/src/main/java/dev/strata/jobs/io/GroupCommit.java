package dev.strata.jobs.io;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Group commit, as databases do it for their logs: what the threads of a run commit to one Delta
 * table at once (ledger records of builds that finish together, the partitions of one table built
 * side by side) goes in as few commits as possible, without making anyone wait longer than the
 * commit in flight. A caller that finds no commit under way commits its items alone; one that
 * finds a commit under way queues them, and the first of those queued when it ends commits
 * everything queued meanwhile in one. Every caller returns only once its items are committed (or
 * throws what their commit threw), so an item is as durable when {@link #commit} returns as with
 * a commit of its own; a failed group fails each of its callers.
 *
 * @param <T> what is committed: rows, partition writes
 */
public final class GroupCommit<T> {
  private final Consumer<List<T>> commit;
  private final Object lock = new Object();
  private List<Pending<T>> queued = new ArrayList<>();
  private boolean committing;

  /** @param commit commits the items of one group, in one Delta commit */
  public GroupCommit(Consumer<List<T>> commit) {
    this.commit = commit;
  }

  private static final class Pending<T> {
    final List<T> items;
    boolean done;
    RuntimeException failure;

    Pending(List<T> items) {
      this.items = items;
    }
  }

  /** Commits the items, in one commit with whatever else is queued; returns once they are committed. */
  public void commit(List<T> items) {
    Pending<T> mine = new Pending<>(items);
    List<Pending<T>> group;
    boolean interrupted = false;
    synchronized (lock) {
      queued.add(mine);
      while (committing && !mine.done) {
        // Not given up on an interrupt: the items may already be in the commit under way, and a
        // caller told they were not would commit them again. The wait is one commit long.
        try {
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (mine.done) {
        if (mine.failure != null) {
          throw mine.failure;
        }
        return;
      }
      // No commit under way, and this caller's items are still queued: commit the queue.
      committing = true;
      group = queued;
      queued = new ArrayList<>();
    }
    RuntimeException failure = null;
    try {
      List<T> all = new ArrayList<>();
      group.forEach(p -> all.addAll(p.items));
      commit.accept(all);
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      synchronized (lock) {
        for (Pending<T> p : group) {
          p.done = true;
          p.failure = failure;
        }
        committing = false;
        lock.notifyAll();
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}

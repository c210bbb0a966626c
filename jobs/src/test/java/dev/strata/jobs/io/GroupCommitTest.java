package dev.strata.jobs.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** Appends made while a commit is under way go in together, each returning once its rows are in. */
class GroupCommitTest {
  @Test
  void appendsQueuedBehindACommitGoInOneCommitAndEachReturnsOnlyOnceItsRowsAreCommitted() throws Exception {
    List<List<Row>> commits = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    GroupCommit<Row> group = new GroupCommit<>(rows -> {
      if (commits.isEmpty()) {
        firstStarted.countDown();
        await(releaseFirst);
      }
      commits.add(List.copyOf(rows));
    });
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Future<?> first = pool.submit(() -> group.commit(List.of(RowFactory.create("a"))));
      assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
      List<Future<?>> queued = new ArrayList<>();
      for (String v : List.of("b", "c", "d")) {
        queued.add(pool.submit(() -> group.commit(List.of(RowFactory.create(v)))));
      }
      // Give the three time to queue behind the commit in flight; none may return before it ends.
      Thread.sleep(300);
      assertThat(queued).noneMatch(Future::isDone);
      assertThat(first.isDone()).isFalse();
      releaseFirst.countDown();
      first.get(10, TimeUnit.SECONDS);
      for (Future<?> f : queued) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(commits).hasSize(2);
    assertThat(commits.get(0)).extracting(r -> r.getString(0)).containsExactly("a");
    assertThat(commits.get(1)).extracting(r -> r.getString(0)).containsExactlyInAnyOrder("b", "c", "d");
  }

  @Test
  void aFailedCommitFailsEveryAppendInItAndTheNextAppendCommitsAfresh() throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    List<List<Row>> commits = Collections.synchronizedList(new ArrayList<>());
    int[] calls = {0};
    GroupCommit<Row> group = new GroupCommit<>(rows -> {
      int call;
      synchronized (calls) {
        call = ++calls[0];
      }
      if (call == 1) {
        firstStarted.countDown();
        await(releaseFirst);
        commits.add(List.copyOf(rows));
      } else if (call == 2) {
        throw new IllegalStateException("storage unavailable");
      } else {
        commits.add(List.copyOf(rows));
      }
    });
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Future<?> first = pool.submit(() -> group.commit(List.of(RowFactory.create("a"))));
      assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
      Future<?> b = pool.submit(() -> group.commit(List.of(RowFactory.create("b"))));
      Future<?> c = pool.submit(() -> group.commit(List.of(RowFactory.create("c"))));
      Thread.sleep(300);
      releaseFirst.countDown();
      first.get(10, TimeUnit.SECONDS);
      for (Future<?> f : List.of(b, c)) {
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("storage unavailable");
      }
    } finally {
      pool.shutdownNow();
    }
    group.commit(List.of(RowFactory.create("e")));
    assertThat(commits).extracting(rows -> rows.get(0).getString(0)).containsExactly("a", "e");
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

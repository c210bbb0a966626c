package dev.strata.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The JVM's heap as the collector leaves it: after each collection, how much of the heap is still
 * in use. Its highest value over a run is the memory the run needed at its peak, give or take
 * garbage the collector had not reached yet; {@link #retained} (after a full collection) is what
 * the run left behind.
 */
final class HeapWatch implements NotificationListener {
  private volatile long highest;

  private HeapWatch() {}

  static HeapWatch attach() {
    HeapWatch w = new HeapWatch();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(w, null, null);
      }
    }
    return w;
  }

  /** Collects what earlier runs left, and starts a new highest value. */
  void reset() {
    highest = retained();
  }

  /** The highest heap in use after a collection since {@link #reset}. */
  long highest() {
    return highest;
  }

  /** The heap in use after a full collection now. */
  static long retained() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Override
  public void handleNotification(Notification n, Object handback) {
    if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long used = info.getGcInfo().getMemoryUsageAfterGc().values().stream().mapToLong(MemoryUsage::getUsed).sum();
    if (used > highest) {
      highest = used;
    }
  }
}

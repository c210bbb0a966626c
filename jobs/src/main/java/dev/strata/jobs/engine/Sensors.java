package dev.strata.jobs.engine;

import dev.strata.jobs.StrataException;
import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.SourceDefinition;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a run waits for or checks before it builds anything: marker files ({@code --wait-for}) and
 * the freshness of its sources.
 */
public final class Sensors {
  /** The marker a producer writes into a folder when the folder is complete (Hadoop's convention). */
  public static final String SUCCESS_MARKER = "_SUCCESS";

  private final Configuration conf;
  private final Warehouse warehouse;
  private final Clock clock;
  private final Landing landing;

  public Sensors(Configuration conf, Warehouse warehouse, Clock clock) {
    this.conf = conf;
    this.warehouse = warehouse;
    this.clock = clock;
    this.landing = new Landing(warehouse, new HadoopFiles(conf));
  }

  /**
   * Waits until every path exists, for every partition ({@code {date}} in a path stands for each),
   * polling every {@code poll}. A path naming a folder waits for its {@code _SUCCESS} marker.
   *
   * @throws StrataException.UpstreamNotReadyException listing what is still missing at the timeout
   */
  public void waitFor(List<String> paths, List<LocalDate> partitions, Duration timeout, Duration poll, PrintWriter out) {
    Set<String> pending = new LinkedHashSet<>();
    for (String p : paths) {
      if (SourceDefinition.DATE_TOKEN.matcher(p).find()) {
        partitions.forEach(d -> pending.add(warehouse.resolve(SourceDefinition.withDate(p, d))));
      } else {
        pending.add(warehouse.resolve(p));
      }
    }
    Instant deadline = clock.instant().plus(timeout);
    boolean announced = false;
    while (true) {
      pending.removeIf(this::ready);
      if (pending.isEmpty()) {
        if (announced) {
          out.println("Sensor: every --wait-for path is there; starting.");
        }
        return;
      }
      if (!clock.instant().isBefore(deadline)) {
        throw new StrataException.UpstreamNotReadyException(
            String.format(
                "Not starting: after waiting %s, %d --wait-for path%s still missing: %s. A folder counts when it holds %s."
                    + " Check the producer, or wait longer with --wait-timeout.",
                Durations.format(timeout), pending.size(), pending.size() == 1 ? " is" : "s are", pending, SUCCESS_MARKER));
      }
      if (!announced) {
        out.printf("Sensor: waiting up to %s for %s (polling every %s)%n", Durations.format(timeout), pending, Durations.format(poll));
        out.flush();
        announced = true;
      }
      Retrier.sleep(Duration.ofMillis(Math.min(poll.toMillis(), Math.max(1, Duration.between(clock.instant(), deadline).toMillis()))));
    }
  }

  private boolean ready(String location) {
    try {
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return false;
      }
      return !fs.getFileStatus(path).isDirectory() || fs.exists(new Path(path, SUCCESS_MARKER));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * How fresh a source is: the age, now, of the newest file under any of its partition folders.
   *
   * @param newestFile the newest landing file, if there is any
   * @param age how old it is
   */
  public record Freshness(SourceDefinition source, Optional<String> newestFile, Duration age) {
    public boolean tooOld(Duration limit) {
      return limit != null && (newestFile.isEmpty() || age.compareTo(limit) > 0);
    }
  }

  /**
   * The freshness of a source with a freshness rule: its newest file among those {@link Landing}
   * finds in its partition folders (the files the source reads).
   */
  public Freshness freshness(SourceDefinition source) {
    Optional<HadoopFiles.FileInfo> newest =
        landing.scan(source).values().stream().flatMap(List::stream).max(java.util.Comparator.comparingLong(HadoopFiles.FileInfo::modifiedAt));
    if (newest.isEmpty()) {
      return new Freshness(source, Optional.empty(), Duration.ZERO);
    }
    Duration age = Duration.between(Instant.ofEpochMilli(newest.get().modifiedAt()), clock.instant());
    return new Freshness(source, Optional.of(newest.get().path()), age.isNegative() ? Duration.ZERO : age);
  }
}

package dev.strata.jobs.engine;

import dev.strata.api.Partition;
import dev.strata.jobs.definition.SourceDefinition;
import dev.strata.jobs.io.HadoopFiles.FileInfo;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.ledger.IngestedFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What has landed for a source: every partition folder its path pattern matches, with its files,
 * and what changed since the ledger last recorded ingesting each partition.
 *
 * <p>Incremental ingestion works at partition granularity: a partition whose files are new,
 * changed or removed since its last published bronze build is ingested again, whole, with the
 * same atomic replace as any other build, and nothing else is. See {@link #changes}.
 */
public final class Landing {
  /** Asking a source that is not files what it holds, when planning: a few quick attempts, as a lost connection may pass. */
  private static final dev.strata.jobs.definition.RetryPolicy ASKING =
      new dev.strata.jobs.definition.RetryPolicy(3, java.time.Duration.ofSeconds(1), 2.0, java.time.Duration.ofSeconds(5));

  private final Warehouse warehouse;
  private final HadoopFiles files;

  public Landing(Warehouse warehouse, HadoopFiles files) {
    this.warehouse = warehouse;
    this.files = files;
  }

  /**
   * How a source's partition differs from what was last ingested.
   *
   * @param ingestedBy the run that last ingested it, or null if none did
   */
  public record Change(
      String source, Partition partition, List<String> added, List<String> changed, List<String> removed, String ingestedBy) {
    public boolean any() {
      return ingestedBy == null || !added.isEmpty() || !changed.isEmpty() || !removed.isEmpty();
    }

    /** For people: what is new about the partition. */
    public String describe() {
      if (ingestedBy == null) {
        return added.size() == 1 && added.get(0).startsWith(dev.strata.jobs.io.SourceReader.MARKER)
            ? String.format("%s %s: never ingested", source, partition)
            : String.format("%s %s: never ingested (%d file%s)", source, partition, added.size(), added.size() == 1 ? "" : "s");
      }
      List<String> parts = new ArrayList<>();
      if (!added.isEmpty()) {
        parts.add(added.size() + " new file" + (added.size() == 1 ? "" : "s"));
      }
      if (!changed.isEmpty() && changed.get(0).startsWith("its content marker")) {
        parts.add("changed after run " + ingestedBy + " ingested it: " + changed.get(0));
      } else if (!changed.isEmpty()) {
        parts.add(changed.size() + " file" + (changed.size() == 1 ? "" : "s") + " changed after run " + ingestedBy
            + " ingested " + (changed.size() == 1 ? "it" : "them") + " (" + String.join(", ", names(changed)) + ")");
      }
      if (!removed.isEmpty()) {
        parts.add(removed.size() + " file" + (removed.size() == 1 ? "" : "s") + " removed (" + String.join(", ", names(removed)) + ")");
      }
      return source + " " + partition + ": " + String.join("; ", parts);
    }

    private static List<String> names(List<String> paths) {
      return paths.stream().map(p -> p.substring(p.lastIndexOf('/') + 1)).toList();
    }
  }

  /**
   * Every partition the source has files for, with the files: one recursive listing of the folder
   * above the first {@code {date}}, whatever the number of partitions.
   */
  public Map<Partition, List<FileInfo>> scan(SourceDefinition source) {
    dev.strata.jobs.definition.PathTemplate template = source.template();
    Map<Partition, List<FileInfo>> found = new TreeMap<>();
    String root = warehouse.resolve(template.root());
    for (FileInfo f : files.allFiles(root)) {
      int cut = f.path().lastIndexOf('/');
      String name = f.path().substring(cut + 1);
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      // A folder that only looks like a partition (2024-13-40) is none.
      template.parse(f.path().substring(0, cut)).ifPresent(p -> found.computeIfAbsent(p, d -> new ArrayList<>()).add(f));
    }
    found.values().forEach(l -> l.sort(java.util.Comparator.comparing(FileInfo::path)));
    return found;
  }

  /**
   * What changed in a source since each partition was last ingested: new partitions, and in known
   * ones files added, changed (size or modification time) or removed. A changed file is reported,
   * and its partition ingested again.
   *
   * @param ingested the files each partition's last published ingestion read, by partition, from the ledger
   */
  public List<Change> changes(SourceDefinition source, Map<Partition, IngestedFiles> ingested, dev.strata.jobs.io.SourceReader reader) {
    if (!source.files()) {
      return contentChanges(source, ingested, reader);
    }
    return changes(source, ingested);
  }

  /**
   * What changed in a source that is not files (a database): each partition it holds data for,
   * new, or whose marker differs from the one recorded when it was last ingested.
   */
  private static List<Change> contentChanges(SourceDefinition source, Map<Partition, IngestedFiles> ingested,
      dev.strata.jobs.io.SourceReader reader) {
    List<Change> changes = new ArrayList<>();
    Map<Partition, String> contents;
    try {
      contents = Retrier.call(ASKING, "ask source '" + source.name() + "' what it holds", () -> reader.contents(source, Partition.whole()));
    } catch (dev.strata.api.StrataException e) {
      throw e;
    } catch (RuntimeException e) {
      if (!Transience.isTransient(e)) {
        throw e;
      }
      throw new dev.strata.api.StrataException.JobFailedException("Cannot plan the run: source '" + source.name() + "' did not answer "
          + ASKING.maxAttempts() + " times (" + e.getMessage() + "). Nothing was built or written; run again"
          + " once it is reachable.", e);
    }
    for (Map.Entry<Partition, String> e : contents.entrySet()) {
      IngestedFiles before = ingested.get(e.getKey());
      String now = dev.strata.jobs.io.SourceReader.MARKER + e.getValue();
      String was = before == null ? null : before.files().keySet().stream().findFirst().orElse(null);
      List<String> changed = before != null && !now.equals(was)
          ? List.of("its content marker is " + e.getValue() + ", was " + (was == null ? "none" : was.substring(dev.strata.jobs.io.SourceReader.MARKER.length())))
          : List.of();
      changes.add(new Change(source.name(), e.getKey(), before == null ? List.of(now) : List.of(), changed, List.of(),
          before == null ? null : before.runId()));
    }
    return changes;
  }

  public List<Change> changes(SourceDefinition source, Map<Partition, IngestedFiles> ingested) {
    List<Change> changes = new ArrayList<>();
    for (Map.Entry<Partition, List<FileInfo>> e : scan(source).entrySet()) {
      IngestedFiles before = ingested.get(e.getKey());
      List<String> added = new ArrayList<>();
      List<String> changed = new ArrayList<>();
      List<String> removed = new ArrayList<>();
      Map<String, FileInfo> old = before == null ? Map.of() : before.files();
      for (FileInfo now : e.getValue()) {
        FileInfo was = old.get(HadoopFiles.key(now.path()));
        if (was == null) {
          added.add(now.path());
        } else if (was.size() != now.size() || was.modifiedAt() != now.modifiedAt()) {
          changed.add(now.path());
        }
      }
      for (FileInfo was : old.values()) {
        if (e.getValue().stream().noneMatch(f -> HadoopFiles.key(f.path()).equals(HadoopFiles.key(was.path())))) {
          removed.add(was.path());
        }
      }
      changes.add(new Change(source.name(), e.getKey(), added, changed, removed, before == null ? null : before.runId()));
    }
    return changes;
  }

}

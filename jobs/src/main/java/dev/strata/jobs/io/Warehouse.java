package dev.strata.jobs.io;

import dev.strata.api.Partition;
import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Layer;
import dev.strata.jobs.definition.Names;
import java.net.URI;
import java.nio.file.Paths;
import java.util.regex.Pattern;

/**
 * Where everything lives, and the one place that builds a path inside a warehouse. A warehouse is
 * a root directory or URI (file:, s3a:, hdfs:):
 *
 * <pre>
 *   &lt;root&gt;/&lt;layer&gt;/&lt;table&gt;/                         Delta tables
 *   &lt;root&gt;/_quarantine/&lt;table&gt;/                       rejected rows with their reasons (Delta)
 *   &lt;root&gt;/_strata/ledger/&lt;ledger table&gt;/              the ledger (Delta)
 *   &lt;root&gt;/_strata/reports/&lt;run_id&gt;/                 quality reports
 *   &lt;root&gt;/_strata/staging/&lt;run_id&gt;/&lt;table&gt;/&lt;date&gt;/  data written but not yet published
 *   &lt;root&gt;/_strata/locks/&lt;pipeline&gt;/&lt;table&gt;/&lt;date&gt;.lock   leases
 * </pre>
 *
 * <p>Every segment these methods put under the root is checked before it is used: names are
 * {@linkplain Names identifiers}, run ids have the shape {@link #RUN_ID} and partitions are dates,
 * so no name, run id or date (from a definition or a flag) can make a path that leaves the
 * warehouse or lands in another table's folder. A segment that is not valid is an invalid input
 * (exit 2), never a write elsewhere.
 */
public final class Warehouse {
  /** A run id as {@code PipelineRunner.newRunId} makes them: {@code 20240102T031700Z-3fa9c1}. */
  public static final Pattern RUN_ID = Pattern.compile("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}");

  private final String root;

  private Warehouse(String root) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  /** A warehouse at a URI with a scheme, or at a local path (made absolute). */
  public static Warehouse at(String location) {
    if (hasScheme(location)) {
      return new Warehouse(location);
    }
    return new Warehouse(Paths.get(location).toAbsolutePath().normalize().toUri().toString());
  }

  private static boolean hasScheme(String location) {
    try {
      URI uri = new URI(location);
      return uri.getScheme() != null && uri.getScheme().length() > 1;
    } catch (Exception e) {
      return false;
    }
  }

  /** The root URI, without a trailing slash. */
  public String root() {
    return root;
  }

  /**
   * A path relative to the root, or the path itself if it is absolute (a URI or /path). For what
   * a definition names to read (landing sources, sensors): unlike the paths below, it may point
   * anywhere the user chose.
   */
  public String resolve(String path) {
    if (hasScheme(path)) {
      return path;
    }
    if (path.startsWith("/")) {
      return Paths.get(path).toUri().toString();
    }
    return root + "/" + path;
  }

  public String tablePath(Layer layer, String table) {
    return root + "/" + layer.key() + "/" + name("table", table);
  }

  /** The quarantine of a table: its rejected rows with their reasons, partitioned like the table. */
  public String quarantinePath(String table) {
    return root + "/_quarantine/" + name("table", table);
  }

  /** One of the ledger's Delta tables (runs, builds, gate_results, ...). */
  public String ledgerPath(String ledgerTable) {
    return root + "/_strata/ledger/" + name("ledger table", ledgerTable);
  }

  public String reportDir(String runId) {
    return root + "/_strata/reports/" + runId(runId);
  }

  /** Where a run stages rows before its gates decide; blocked rows stay there for inspection. */
  public String stagingRoot(String runId) {
    return root + "/_strata/staging/" + runId(runId);
  }

  public String stagingPath(String runId, String table, Partition partition) {
    return stagingRoot(runId) + "/" + name("table", table) + "/" + partition;
  }

  /** The folder of a pipeline's partition leases. */
  public String locksRoot(String pipeline) {
    return root + "/_strata/locks/" + name("pipeline", pipeline);
  }

  /** The lease file of one table partition. */
  public String lockPath(String pipeline, String table, Partition partition) {
    return locksRoot(pipeline) + "/" + name("table", table) + "/" + partition + ".lock";
  }

  /** {@code name} if it is a valid name, else the exit-2 error saying why. */
  private static String name(String kind, String name) {
    String problem = Names.problem(name);
    if (problem != null) {
      throw Errors.invalid(
          "Cannot use the %s name '%s' for a path in the warehouse: it %s. Names in definitions and flags are identifiers"
              + " ([a-z][a-z0-9_]*); rename it.", kind, Errors.printable(name), problem);
    }
    return name;
  }

  /** {@code runId} if it has the shape of a run id, else the exit-2 error saying so. */
  public static String runId(String runId) {
    if (runId == null || !RUN_ID.matcher(runId).matches()) {
      throw Errors.invalid(
          "Cannot use '%s' as a run id: run ids look like 20240102T031700Z-3fa9c1 (start time in UTC and six hex"
              + " digits). List the runs with: strata history <pipeline>", Errors.printable(runId));
    }
    return runId;
  }

  @Override
  public String toString() {
    return root;
  }
}

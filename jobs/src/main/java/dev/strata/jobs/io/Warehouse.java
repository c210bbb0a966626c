package dev.strata.jobs.io;

import dev.strata.jobs.definition.Layer;
import java.net.URI;
import java.nio.file.Paths;
import java.time.LocalDate;

/**
 * Where everything lives. A warehouse is a root directory or URI (file:, s3a:, hdfs:):
 *
 * <pre>
 *   &lt;root&gt;/&lt;layer&gt;/&lt;table&gt;/              Delta tables
 *   &lt;root&gt;/_quarantine/&lt;table&gt;/            rejected rows with their reasons (Delta)
 *   &lt;root&gt;/_strata/reports/&lt;run_id&gt;/      quality reports
 *   &lt;root&gt;/_strata/staging/&lt;run_id&gt;/      data written but not yet published
 * </pre>
 */
public final class Warehouse {
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

  /** A path relative to the root, or the path itself if it is absolute (a URI or /path). */
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
    return root + "/" + layer.key() + "/" + table;
  }

  /** The quarantine of a table: its rejected rows with their reasons, partitioned like the table. */
  public String quarantinePath(String table) {
    return root + "/_quarantine/" + table;
  }

  public String reportDir(String runId) {
    return root + "/_strata/reports/" + runId;
  }

  /** Where a run stages rows before its gates decide; blocked rows stay there for inspection. */
  public String stagingRoot(String runId) {
    return root + "/_strata/staging/" + runId;
  }

  public String stagingPath(String runId, String table, LocalDate partition) {
    return stagingRoot(runId) + "/" + table + "/" + partition;
  }

  @Override
  public String toString() {
    return root;
  }
}

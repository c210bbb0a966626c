package dev.strata.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;

/**
 * What a warehouse holds, to prove that a command left it as it was: every file's bytes (outside
 * the landing folder), and for every Delta table (layers, quarantine, ledger) its latest version
 * and a fingerprint of its rows (count and an order-independent sum of row hashes), read through
 * Delta as a consumer would.
 *
 * @param files relative path to SHA-256 of the bytes, landing/ excluded
 * @param tables relative path of each Delta table to "v<version> rows=<n> hash=<h>"
 */
public record WarehouseState(Map<String, String> files, Map<String, String> tables) {

  /** The state of the warehouse at {@code root} now. */
  public static WarehouseState of(Path root) {
    return read(root, true);
  }

  /**
   * The bytes of every file of the warehouse at {@code root} now, without reading its tables: for
   * proving that a command changed nothing, bytes suffice (a Delta table is a function of its files),
   * and cost no Spark job. {@link #tables()} is empty.
   */
  public static WarehouseState bytes(Path root) {
    return read(root, false);
  }

  private static WarehouseState read(Path root, boolean readTables) {
    Map<String, String> files = new TreeMap<>();
    Map<String, String> tables = new TreeMap<>();
    if (!Files.exists(root)) {
      return new WarehouseState(files, tables);
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted().toList()) {
        String rel = root.relativize(p).toString();
        if (rel.startsWith("landing")) {
          continue;
        }
        if (Files.isRegularFile(p)) {
          files.put(rel, sha256(p));
        } else if (readTables && Files.isDirectory(p.resolve("_delta_log")) && hasCommit(p.resolve("_delta_log"))) {
          tables.put(rel, fingerprint(p));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new WarehouseState(files, tables);
  }

  /** The Delta tables under layers and the quarantine (not the ledger). */
  public Map<String, String> dataTables() {
    Map<String, String> data = new TreeMap<>(tables);
    data.keySet().removeIf(k -> k.startsWith("_strata"));
    return data;
  }

  /** Asserts that nothing in the warehouse changed: same bytes everywhere, same versions and rows. */
  public void assertSameAs(WarehouseState before, String context) {
    assertThat(tables).as("Delta versions and row fingerprints, " + context).isEqualTo(before.tables());
    assertThat(files).as("every file of the warehouse, byte for byte, " + context).isEqualTo(before.files());
  }

  /**
   * Asserts that the tables and the quarantine are as they were, byte for byte and row for row;
   * the ledger and the reports may have gained the run's records.
   */
  public void assertDataSameAs(WarehouseState before, String context) {
    assertThat(dataTables()).as("Delta versions and row fingerprints of tables and quarantine, " + context)
        .isEqualTo(before.dataTables());
    Map<String, String> mine = new TreeMap<>(files);
    Map<String, String> theirs = new TreeMap<>(before.files());
    mine.keySet().removeIf(k -> k.startsWith("_strata"));
    theirs.keySet().removeIf(k -> k.startsWith("_strata"));
    assertThat(mine).as("the files of tables and quarantine, byte for byte, " + context).isEqualTo(theirs);
  }

  private static boolean hasCommit(Path log) throws IOException {
    try (Stream<Path> entries = Files.list(log)) {
      return entries.anyMatch(e -> e.getFileName().toString().matches("\\d{20}\\.json"));
    }
  }

  private static String fingerprint(Path table) throws IOException {
    long version;
    try (Stream<Path> entries = Files.list(table.resolve("_delta_log"))) {
      version = entries.map(e -> e.getFileName().toString()).filter(n -> n.matches("\\d{20}\\.json"))
          .mapToLong(n -> Long.parseLong(n.substring(0, 20))).max().orElse(-1);
    }
    try {
      Row r = SparkTestSession.get().read().format("delta").load(table.toUri().toString())
          .selectExpr("count(*)", "coalesce(sum(xxhash64(*)), 0)").head();
      return "v" + version + " rows=" + r.getLong(0) + " hash=" + r.getLong(1);
    } catch (Exception e) {
      // A table a case damaged on purpose: its bytes are compared in files().
      return "v" + version + " unreadable";
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies a warehouse folder (for a case that must start from the same state as the others). */
  public static void copy(Path from, Path to) {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The list of files under a folder, relative, for messages. */
  public static List<String> list(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.strata.jobs.testing;

import dev.strata.api.Partition;
import dev.strata.api.RunOutcome;
import dev.strata.api.Strata;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A pipeline under test, in the spirit of Beam's {@code TestPipeline}: its definition from the test
 * resources ({@code pipelines/NAME/}) or written inline, a warehouse of its own in a temporary
 * folder, landing files written by the test, and runs in-process on the shared test session through
 * the public API ({@link Strata}), returning the typed {@link RunOutcome} that {@link
 * StrataAssertions} checks.
 */
public final class StrataTestPipeline {
  private static final Yaml YAML = yaml();

  private final Path definition;
  private final Path warehouse;
  private int parallelism = 2;

  private StrataTestPipeline(Path definition, Path warehouse) {
    this.definition = definition;
    this.warehouse = warehouse;
  }

  /** The definition in the test resources' {@code pipelines/NAME/}, copied into {@code dir}, with a warehouse in {@code dir/wh}. */
  public static StrataTestPipeline of(String name, Path dir) {
    URL url = StrataTestPipeline.class.getClassLoader().getResource("pipelines/" + name + "/pipeline.yaml");
    if (url == null) {
      throw new IllegalArgumentException("No test pipeline " + name + ": expected src/test/resources/pipelines/" + name + "/pipeline.yaml");
    }
    try {
      Path source = Paths.get(url.toURI()).getParent();
      Path target = dir.resolve(name);
      try (Stream<Path> files = Files.walk(source)) {
        for (Path f : files.toList()) {
          Path to = target.resolve(source.relativize(f).toString());
          if (Files.isDirectory(f)) {
            Files.createDirectories(to);
          } else {
            try (InputStream in = Files.newInputStream(f)) {
              Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
            }
          }
        }
      }
      return new StrataTestPipeline(target, dir.resolve("wh"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A pipeline written inline: {@code pipeline.yaml} and files beside it (pairs of name and content). */
  public static StrataTestPipeline define(Path dir, String name, String yaml, String... files) {
    return new StrataTestPipeline(TinyPipeline.define(dir, name, yaml, files), dir.resolve("wh"));
  }

  /**
   * Sets one key of the definition's {@code pipeline.yaml}: {@code path} is dotted
   * ({@code tables.s.rules}), missing maps on the way are created, and a null value removes the
   * key. This is how a test states the one thing its pipeline adds to a shared resource pipeline,
   * instead of carrying a copy of it.
   */
  public StrataTestPipeline with(String path, Object value) {
    Path file = definition.resolve("pipeline.yaml");
    try {
      Map<String, Object> root = YAML.load(Files.readString(file));
      String[] keys = path.split("\\.");
      Map<String, Object> node = root;
      for (int i = 0; i < keys.length - 1; i++) {
        node = child(node, keys[i], path);
      }
      if (value == null) {
        node.remove(keys[keys.length - 1]);
      } else {
        node.put(keys[keys.length - 1], value);
      }
      Files.writeString(file, YAML.dump(root));
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes (or replaces) a file of the definition, such as a table's SQL. */
  public StrataTestPipeline file(String name, String content) {
    try {
      Files.writeString(definition.resolve(name), content);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An ordered map from pairs of key and value, for {@link #with}: {@code map("id", "string", "n", "int")}. */
  public static Map<String, Object> map(Object... pairs) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      map.put((String) pairs[i], pairs[i + 1]);
    }
    return map;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> child(Map<String, Object> node, String key, String path) {
    Object child = node.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
    if (!(child instanceof Map)) {
      throw new IllegalArgumentException("Cannot set " + path + ": '" + key + "' holds " + child + ", not a map");
    }
    return (Map<String, Object>) child;
  }

  private static Yaml yaml() {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return new Yaml(options);
  }

  /** How many table partitions build at once (default 2, the test session's cores). */
  public StrataTestPipeline parallelism(int n) {
    this.parallelism = n;
    return this;
  }

  /** Writes a landing file: {@code landing/SOURCE/DAY/FILE} under the warehouse (the {@code landing/<source>/{date}} convention). */
  public StrataTestPipeline land(String source, String day, String file, String content) {
    return landAt("landing/" + source + "/" + day + "/" + file, content);
  }

  /** Writes a file at a path relative to the warehouse, for sources with another layout. */
  public StrataTestPipeline landAt(String relative, String content) {
    try {
      Path f = warehouse.resolve(relative);
      Files.createDirectories(f.getParent());
      Files.writeString(f, content);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs every table for one day, as {@code strata run --date DAY} would. */
  public RunOutcome run(String day) {
    return strata().run(day);
  }

  /** Runs every table for a range of days. */
  public RunOutcome run(String from, String to) {
    return strata().run(from, to);
  }

  /** The public API on the shared session, for what the helpers above do not cover. */
  public Strata strata() {
    return Strata.on(spark(), definition.toString(), warehouse.toString()).parallelism(parallelism);
  }

  /** The rows a table publishes for a day (of a bronze, silver or gold table), without the partition column, sorted. */
  public List<Row> rows(String layer, String table, String day) {
    Dataset<Row> rows = spark().read().format("delta").load(warehouse.resolve(layer).resolve(table).toString())
        .where("as_of_date = DATE'" + day + "'").drop("as_of_date");
    return rows.orderBy(rows.columns()[0]).collectAsList();
  }

  public Path definition() {
    return definition;
  }

  public Path warehouse() {
    return warehouse;
  }

  /** A day's partition, for looking up builds. */
  public static Partition day(String day) {
    return Partition.day(LocalDate.parse(day));
  }

  private static SparkSession spark() {
    return SparkTestSession.get();
  }
}

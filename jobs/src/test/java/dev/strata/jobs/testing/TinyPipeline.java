package dev.strata.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small pipeline written to a test folder, with one day of landing CSV for its source {@code raw},
 * for tests of the engine's edges (failures, warnings, accounting).
 */
public final class TinyPipeline {
  /** The one partition these pipelines are run for. */
  public static final String DAY = "2024-01-01";

  /** The query of the bronze table {@link #withBronze} declares. */
  public static final String BRONZE_SQL = "SELECT id, as_of_date FROM raw";

  private TinyPipeline() {}

  /**
   * A pipeline.yaml up to and including its bronze table: source {@code raw} (id, as_of_date) and
   * table {@code b} ({@link #BRONZE_SQL} in b.sql). Append more tables, indented by two spaces.
   *
   * @param top extra top-level YAML (e.g. {@code defaults:}), or ""
   */
  public static String withBronze(String name, String top) {
    return """
        pipeline: %s
        %s
        sources:
          raw:
            path: landing/raw/{date}
            schema:
              id: string
              as_of_date: string
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
        """.formatted(name, top);
  }

  /**
   * Writes {@code dir/name/pipeline.yaml} and SQL files beside it.
   *
   * @param sqlFiles pairs of file name and query
   * @return the definition folder
   */
  public static Path define(Path dir, String name, String yaml, String... sqlFiles) {
    try {
      Path folder = dir.resolve(name);
      Files.createDirectories(folder);
      Files.writeString(folder.resolve("pipeline.yaml"), yaml);
      for (int i = 0; i + 1 < sqlFiles.length; i += 2) {
        Files.writeString(folder.resolve(sqlFiles[i]), sqlFiles[i + 1]);
      }
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Lands {@code csv} (header included) as source {@code raw}'s file for {@link #DAY}. */
  public static void landRaw(Path warehouse, String csv) {
    try {
      Path folder = warehouse.resolve("landing/raw/" + DAY);
      Files.createDirectories(folder);
      Files.writeString(folder.resolve("raw.csv"), csv);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs the pipeline for {@link #DAY}. */
  public static Cli.Outcome run(Path pipeline, Path warehouse) {
    return Cli.run("run", pipeline.toString(), "--date", DAY, "--warehouse", warehouse.toString());
  }
}

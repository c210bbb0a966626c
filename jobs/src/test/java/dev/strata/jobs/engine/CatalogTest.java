package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.HiveQuery;
import dev.strata.jobs.testing.StrataProcess;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

/**
 * {@code catalog:}: tables by name after a run and after a schema widening, in the session's own
 * catalog (as a notebook sees it) and in a Hive metastore (Derby, in other JVMs, as a BI tool or
 * another job sees it); a name taken by a table elsewhere is a warning, never a re-pointed table.
 */
@IntegrationTest
class CatalogTest {
  @TempDir Path dir;

  /** Bronze carries every column its source delivers (a column added upstream widens it); silver types two. */
  private Path pipeline(String name) {
    return TinyPipeline.define(dir, name, TinyPipeline.withBronze(name, "catalog: {database: \"{pipeline}_{layer}\"}") + """
          s:
            layer: silver
            inputs: [b]
            sql: s.sql
        """, "b.sql", "SELECT * FROM raw", "s.sql", "SELECT CAST(id AS INT) AS id, CAST(as_of_date AS DATE) AS as_of_date FROM b");
  }

  /** A landing day of {@code rows} rows; with {@code tag}, a column the source did not declare (accepted: bronze widens). */
  private void land(String day, int rows, boolean tag) throws IOException {
    Path folder = dir.resolve("wh/landing/raw/" + day);
    Files.createDirectories(folder);
    StringBuilder csv = new StringBuilder(tag ? "id,as_of_date,tag\n" : "id,as_of_date\n");
    for (int i = 0; i < rows; i++) {
      csv.append(i).append(',').append(day).append(tag ? ",t" + i : "").append('\n');
    }
    Files.writeString(folder.resolve("raw.csv"), csv);
  }

  private Cli.Outcome run(Path pipeline, String day) {
    return Cli.run("run", pipeline.toString(), "--warehouse", dir.resolve("wh").toString(), "--date", day);
  }

  @Test
  void tablesAreQueriedByNameAfterARunAndAfterTheirSchemaWidensInTheSessionsCatalog() throws Exception {
    SparkSession spark = SparkTestSession.get();
    String name = "cat" + Long.toHexString(System.nanoTime());
    Path pipeline = pipeline(name);
    land("2024-01-01", 5, false);
    Cli.Outcome first = run(pipeline, "2024-01-01");
    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(spark.table(name + "_silver.s").count()).isEqualTo(5);
    assertThat(spark.sql("SELECT count(*) FROM " + name + "_bronze.b").head().getLong(0)).isEqualTo(5);
    var metadata = spark.sessionState().catalog().getTableMetadata(new TableIdentifier("s", Option.apply(name + "_silver")));
    assertThat(metadata.tableType().name()).isEqualTo("EXTERNAL");
    assertThat(metadata.location().toString()).endsWith("wh/silver/s");

    // The bronze table widens (the source added a column): by name, the new column is there, in the data and in the catalog's copy.
    land("2024-01-02", 3, true);
    Cli.Outcome wider = run(pipeline, "2024-01-02");
    assertThat(wider.exit()).as(wider.toString()).isZero();
    assertThat(spark.table(name + "_bronze.b").columns()).contains("tag");
    assertThat(spark.sql("SELECT count(*) FROM " + name + "_bronze.b WHERE tag IS NOT NULL").head().getLong(0)).isEqualTo(3);
    assertThat(spark.sessionState().catalog().getTableMetadata(new TableIdentifier("b", Option.apply(name + "_bronze")))
        .dataSchema().fieldNames()).contains("id", "tag");

    // The name taken by another table: the build publishes, says so, and the other table stays as it was.
    Path other = dir.resolve("other");
    spark.range(2).write().format("delta").save(other.toString());
    spark.sql("DROP TABLE " + name + "_silver.s");
    spark.sql("CREATE TABLE " + name + "_silver.s USING DELTA LOCATION '" + other + "'");
    land("2024-01-03", 4, false);
    Cli.Outcome taken = run(pipeline, "2024-01-03");
    assertThat(taken.exit()).as(taken.toString()).isZero();
    assertThat(taken.out()).contains("could not register it in the catalog as " + name + "_silver.s")
        .contains("is a table at").contains("not " + dir.resolve("wh").toUri().toString().replaceAll("/$", "") + "/silver/s");
    assertThat(spark.table(name + "_silver.s").count()).isEqualTo(2);
  }

  @Test
  void aHiveMetastoreServesTheTablesToOtherJobsWithTheirSchemaInStep() throws IOException {
    String metastore = dir.resolve("metastore").toString();
    List<String> hive = List.of("-Dspark.sql.catalogImplementation=hive",
        "-Dspark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=" + metastore + "/db;create=true",
        "-Dspark.sql.warehouse.dir=" + metastore + "/warehouse", "-Dderby.system.home=" + metastore);
    Path pipeline = pipeline("hv");
    land("2024-01-01", 5, false);
    strata(hive, "first", "run", pipeline.toString(), "--warehouse", dir.resolve("wh").toString(), "--date", "2024-01-01");
    land("2024-01-02", 3, true);
    strata(hive, "wider", "run", pipeline.toString(), "--warehouse", dir.resolve("wh").toString(), "--date", "2024-01-02");

    StrataProcess query = StrataProcess.startMain(dir.resolve("logs"), "query", null, hive, HiveQuery.class.getName(),
        List.of("SELECT count(*), count(tag) FROM hv_bronze.b", "SCHEMA hv_bronze.b", "SELECT count(*) FROM hv_silver.s", "SHOW DATABASES"));
    assertThat(query.await(Duration.ofMinutes(3))).as(query.toString()).isZero();
    assertThat(query.stdout())
        .contains("> 8|3")
        .containsPattern("> columns id,as_of_date,.*tag\n")
        .containsPattern("> type EXTERNAL provider delta location .*wh/bronze/b")
        .contains("> 8\n")
        .contains("> hv_bronze", "> hv_silver");
  }

  private void strata(List<String> flags, String name, String... args) {
    StrataProcess p = StrataProcess.start(dir.resolve("logs"), name, null, flags, args);
    assertThat(p.await(Duration.ofMinutes(4))).as(p.toString()).isZero();
    assertThat(p.stdout()).doesNotContain("could not register");
  }
}

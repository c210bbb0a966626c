package dev.strata.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebook API driven from jshell, the JDK's REPL, the way a notebook user would: the session
 * exists first (as a notebook's does), then Strata runs, backfills and reports status on it.
 */
@IntegrationTest
class NotebookApiTest {
  @TempDir Path dir;

  @Test
  void jshellRunsBackfillsAndReadsStatusOnItsOwnSession() throws IOException, InterruptedException {
    Path p =
        TinyPipeline.define(
            dir, "nb", TinyPipeline.withBronze("nb", "") + "  s:\n    layer: silver\n    inputs: [b]\n    sql: s.sql\n",
            "b.sql", TinyPipeline.BRONZE_SQL, "s.sql", "SELECT upper(id) AS id, as_of_date FROM b");
    Path wh = dir.resolve("wh");
    for (String day : List.of("2024-01-01", "2024-01-02")) {
      Files.createDirectories(wh.resolve("landing/raw/" + day));
      Files.writeString(wh.resolve("landing/raw/" + day + "/raw.csv"), "id,as_of_date\nr1," + day + "\nr2," + day + "\n");
    }
    Path script = dir.resolve("notebook.jsh");
    Files.writeString(
        script,
        """
        import org.apache.spark.sql.SparkSession;
        var spark = SparkSession.builder().master("local[2]").appName("notebook").config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension").config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog").getOrCreate();
        import dev.strata.api.*;
        Strata strata = Strata.on(spark, "%s", "%s");
        RunOutcome day = strata.run("2024-01-01");
        day.toDataset(spark).select("table", "partition", "status", "rows_published").show(false);
        System.out.println("run status=" + day.status() + " published=" + day.builds().stream().filter(BuildOutcome::published).count());
        System.out.println("s rows=" + day.build("s", Partition.day(java.time.LocalDate.parse("2024-01-01"))).orElseThrow().rows().published());
        RunOutcome filled = strata.backfill("2024-01-01", "2024-01-02");
        System.out.println("backfill published=" + filled.builds().stream().filter(BuildOutcome::published).count() + " of " + filled.builds().size());
        strata.status().select("table", "partition", "status").orderBy("table", "partition").show(false);
        /exit
        """.formatted(p, wh));

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "jshell").toString());
    // The snippets run in jshell's remote execution JVM (its default), which -R configures.
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (flag.startsWith("--add-opens") || flag.startsWith("-Djdk.reflect") || flag.startsWith("-Duser.")) {
        cmd.add("-R" + flag);
      }
    }
    cmd.add("-R-Xmx1g");
    cmd.add("-R-Dlog4j2.configurationFile=" + Cli.CONF.resolve("log4j2.properties"));
    cmd.add("--class-path");
    cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    cmd.add(script.toString());
    Path out = dir.resolve("jshell.out");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process jshell = pb.start();
    assertThat(jshell.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String printed = Files.readString(out, StandardCharsets.UTF_8);

    assertThat(jshell.exitValue()).as(printed).isZero();
    assertThat(printed)
        .as(printed)
        .contains("run status=PUBLISHED published=2")
        .contains("s rows=2")
        .containsPattern("\\|s +\\|2024-01-01\\|PUBLISHED\\|2 +\\|")
        .contains("Backfill bf-")
        .contains("backfill published=4 of 4")
        .containsPattern("\\|b +\\|2024-01-01\\|PUBLISHED\\|")
        .containsPattern("\\|s +\\|2024-01-02\\|PUBLISHED\\|");
    assertThat(Files.readString(out)).doesNotContain("Exception");
  }
}

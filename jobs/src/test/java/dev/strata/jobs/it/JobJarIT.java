package dev.strata.jobs.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.testing.IntegrationTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shaded job jar (what spark-submit runs) as packaged: the engine and its extension points'
 * registrations, and nothing of the tests or the benchmark harness.
 */
@IntegrationTest
class JobJarIT {
  @Test
  void theJobJarHoldsTheEngineAndItsServicesButNoBenchNoTestCodeAndNoChartLibrary() throws IOException {
    Path target = Cli.CONF.getParent().resolve("jobs/target");
    Path jar;
    try (Stream<Path> files = Files.list(target)) {
      jar = files.filter(f -> f.getFileName().toString().matches("strata-jobs-.*-spark\\.jar")).findFirst().orElseThrow();
    }
    try (JarFile j = new JarFile(jar.toFile())) {
      List<String> names = j.stream().map(java.util.zip.ZipEntry::getName).toList();
      assertThat(names).contains("dev/strata/jobs/cli/StrataMain.class", "dev/strata/api/Strata.class", "dev/strata/jobs/write/InPlaceWrite.class");
      assertThat(names).noneMatch(n -> n.startsWith("dev/strata/bench/"))
          .noneMatch(n -> n.startsWith("dev/strata/jobs/testing/"))
          .noneMatch(n -> n.startsWith("org/jfree/"))
          .noneMatch(n -> n.startsWith("com/tngtech/archunit/"));
      assertThat(service(j, "dev.strata.api.SourceFormat")).contains("dev.strata.jobs.io.formats.CsvFormat", "dev.strata.jobs.io.formats.JsonFormat",
          "dev.strata.jobs.io.formats.ParquetFormat");
      assertThat(service(j, "dev.strata.api.Strata$Provider")).contains("dev.strata.jobs.cli.NotebookStrata$Provider");
      assertThat(service(j, "dev.strata.api.Check")).contains("dev.strata.jobs.checks.VolumeCheck");
    }
  }

  private static String service(JarFile jar, String name) throws IOException {
    var entry = jar.getEntry("META-INF/services/" + name);
    assertThat(entry).as("META-INF/services/%s in the job jar", name).isNotNull();
    return new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
  }
}

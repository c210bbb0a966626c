package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.bench.BankingSides.Side;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness's own arithmetic and output, and that its hand-written baseline does the same work as the engine. */
@IntegrationTest
class BenchTest {
  @TempDir Path dir;

  @Test
  void fitsTheExponentOfAPowerLaw() {
    List<Double> rows = List.of(1e5, 4e5, 1.6e6);
    List<Double> sublinear = new ArrayList<>();
    List<Double> superlinear = new ArrayList<>();
    for (double r : rows) {
      sublinear.add(3 * Math.pow(r, 0.8));
      superlinear.add(2 * Math.pow(r, 1.2));
    }
    assertThat(Scaling.exponent(rows, sublinear)).isCloseTo(0.8, within(1e-9));
    assertThat(Scaling.exponent(rows, superlinear)).isCloseTo(1.2, within(1e-9));
  }

  @Test
  void ratiosMediansAndTargets() {
    Comparison cost = new Comparison("s", "gate cost: x", 100, List.of(10.0, 30.0, 11.0), List.of(15.95, 16.0, 99.0), Comparison.Kind.COST, 1.30);
    assertThat(cost.baselineMedian()).isEqualTo(11.0);
    assertThat(cost.candidateMedian()).isEqualTo(16.0);
    assertThat(cost.met()).isFalse();
    assertThat(cost.ratioText()).isEqualTo("1.45× (target ≤ 1.30×) **missed**");
    assertThat(new Comparison("s", "x", 1, List.of(10.0), List.of(12.9), Comparison.Kind.COST, 1.30).ratioText()).isEqualTo("1.29× (target ≤ 1.30×)");
    Comparison speedup = new Comparison("s", "incremental: y", 1, List.of(600.0), List.of(10.0, 12.0), Comparison.Kind.SPEEDUP, 50);
    assertThat(speedup.ratio()).isCloseTo(600 / 11.0, within(1e-9));
    assertThat(speedup.met()).isTrue();
    assertThat(new Figure("s", "exponent", 1.07, "", 1.05, false).valueText()).isEqualTo("1.07 (target ≤ 1.05) **missed**");
    assertThat(new Figure("s", "heap", 1.1, "×", 1.25, false).valueText()).isEqualTo("1.10× (target ≤ 1.25×)");
  }

  @Test
  void writesTheTableTheFiguresAndTheChartFromTheRawNumbers() throws Exception {
    Map<String, Object> json = Map.of(
        "format", 2,
        "scenarios", Map.of(
            "overhead", Map.of("measured_at", "2026-11-22T00:00:00Z", "cores", 2, "repeats", 3, "minutes", 4.5, "notes", "Overhead notes.",
                "comparisons", List.of(
                    new Comparison("overhead", "engine overhead: a vs b", 1000, List.of(10.0), List.of(12.0), Comparison.Kind.COST, 1.10).toJson()),
                "figures", List.of()),
            "scaling", Map.of("measured_at", "2026-11-22T00:00:00Z", "cores", 2, "repeats", 2, "notes", "Scaling notes.",
                "comparisons", List.of(
                    new Comparison("scaling", "raw speed: 1", 1000, List.of(1.0), List.of(5.0), Comparison.Kind.COST, Double.NaN).toJson(),
                    new Comparison("scaling", "raw speed: 4", 4000, List.of(3.0), List.of(18.0), Comparison.Kind.COST, Double.NaN).toJson()),
                "figures", List.of(new Figure("scaling", "scaling: exponent", 0.93, "", 1.05, false).toJson())),
            "scaling-cluster", Map.of("measured_at", "2026-11-22T00:00:00Z", "cores", 2, "repeats", 1, "notes", "Cluster notes.",
                "comparisons", List.of(
                    new Comparison("scaling-cluster", "raw speed on a cluster: 1", 1000, List.of(2.0), List.of(6.0), Comparison.Kind.COST,
                        Double.NaN).toJson()),
                "figures", List.of(new Figure("scaling-cluster", "scaling-cluster: driver heap", 1.02, "×", 1.25, false).toJson()))));
    Files.writeString(dir.resolve("benchmarks.json"), new ObjectMapper().writeValueAsString(json));

    Bench.run(new String[] {"--docs", "/nowhere", "--scenarios", "none", "--docs", dir.toString()});

    String md = Files.readString(dir.resolve("benchmarks.md"));
    assertThat(md)
        .contains("| engine overhead: a vs b | 1,000 | 10.00 s | 12.00 s | 1.20× (target ≤ 1.10×) **missed** | 42 |")
        .contains("| raw speed: 4 | 4,000 | 3.00 s | 18.00 s | 6.00× (no target) | 111 |")
        .contains("| scaling: exponent | 0.93 (target ≤ 1.05) |")
        .contains("| scaling-cluster: driver heap | 1.02× (target ≤ 1.25×) |", "## Scenario `scaling-cluster`", "Cluster notes.")
        .contains("## Scenario `overhead`", "Overhead notes.", "the scenario took 4.5 min", "## Scenario `scaling`", "Scaling notes.")
        .contains("![costs, speed-ups and scaling](benchmarks.png)");
    BufferedImage png = ImageIO.read(dir.resolve("benchmarks.png").toFile());
    assertThat(png.getWidth()).isEqualTo(3 * 640);
    assertThat(png.getHeight()).isEqualTo(480);
  }

  @Test
  void aMistypedOptionOrScenarioStopsBeforeAnythingRuns() {
    assertThatThrownBy(() -> Bench.run(new String[] {"--help", "--docs", dir.toString()}))
        .isInstanceOf(Bench.UsageException.class)
        .hasMessageContaining("unknown option '--help'");
    assertThatThrownBy(() -> Bench.run(new String[] {"--docs", dir.toString(), "--repeats"}))
        .isInstanceOf(Bench.UsageException.class)
        .hasMessageContaining("option --repeats needs a value");
    assertThatThrownBy(() -> Bench.run(new String[] {"--scenarios", "overhead,nosuch", "--docs", dir.toString()}))
        .isInstanceOf(Bench.UsageException.class)
        .hasMessageContaining("unknown scenario 'nosuch'");
    assertThat(dir.resolve("benchmarks.md")).doesNotExist();
  }

  @Test
  void theClusterScenarioRunsAloneAndOnlyOnACluster() {
    assertThatThrownBy(() -> Bench.run(new String[] {"--scenarios", "overhead,scaling-cluster", "--docs", dir.toString()}))
        .isInstanceOf(Bench.UsageException.class)
        .hasMessageContaining("[scaling-cluster] run on a cluster");
    // The test session is local: the scenario refuses rather than measure the wrong heap.
    Scenario.Options options = new Scenario.Options(1, 1, List.of(1), 1, Paths.get("../conf"), List.of(100, 400), 1, 1000, 1000, 1000);
    assertThatThrownBy(() -> new Scaling(true).run(SparkTestSession.get(), dir, options))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("runs on a Spark cluster");
  }

  /**
   * The engine-overhead baseline is only fair if it builds what the engine builds: with gates off,
   * Strata and the hand-written job publish the same rows in every table; with gates on, Strata
   * quarantines the defective accounts.
   */
  @Test
  void theHandWrittenJobBuildsWhatTheEngineBuildsWithGatesOff() throws Exception {
    SparkSession spark = SparkTestSession.get();
    BankingSides sides = new BankingSides(spark, Paths.get("../conf"), dir, 600);
    String gateless = Files.readString(dir.resolve("conf/no_gates/pipeline.yaml"));
    assertThat(gateless).doesNotContain("rules:", "volume:", "IsPrimaryKey").contains("allow_empty: true");
    for (Side side : Side.values()) {
      assertThat(sides.run(side)).isPositive();
    }
    for (String table : List.of("bronze/customers_raw", "bronze/accounts_raw", "silver/stg_customer", "silver/stg_account",
        "silver/int_account_with_customer", "gold/account_summary", "gold/customer_metrics")) {
      assertThat(sides.rows(Side.SPARK, table)).as(table).isPositive().isEqualTo(sides.rows(Side.NO_GATES, table));
    }
    assertThat(sides.rows(Side.GATES, "silver/stg_account")).isLessThan(sides.rows(Side.NO_GATES, "silver/stg_account"));
    assertThat(spark.read().format("delta").load(dir.resolve("warehouse-spark/silver/snap_customer").toString()).count())
        .isEqualTo(spark.read().format("delta").load(dir.resolve("warehouse-no_gates/silver/snap_customer").toString()).count());
  }

  @Test
  void theWideGeneratorWritesSeventeenFieldsARowTheDeclaredKeylessRowsAndTheSameBytesEveryTime() throws Exception {
    java.time.LocalDate day = java.time.LocalDate.of(2024, 1, 1);
    long bytes = WideGenerator.write(dir.resolve("a"), day, 4_500, 3, 7);
    WideGenerator.write(dir.resolve("b"), day, 4_500, 3, 7);
    List<String> lines = new ArrayList<>();
    for (int f = 0; f < 3; f++) {
      String name = String.format(java.util.Locale.ROOT, "lineitem-%03d.tbl", f);
      assertThat(Files.readAllBytes(dir.resolve("a").resolve(name))).isEqualTo(Files.readAllBytes(dir.resolve("b").resolve(name)));
      lines.addAll(Files.readAllLines(dir.resolve("a").resolve(name)));
    }
    assertThat(lines).hasSize(4_500);
    assertThat(lines.stream().mapToLong(l -> l.length() + 1).sum()).isEqualTo(bytes);
    assertThat(lines).allSatisfy(l -> assertThat(l.split("\\|", -1)).hasSize(WideGenerator.COLUMNS.length + 1).endsWith("2024-01-01"));
    assertThat(lines.stream().filter(l -> l.startsWith("|")).count()).isEqualTo(WideGenerator.nullKeys(4_500)).isEqualTo(4);
    // (order key, line number) is unique among the rows that have an order key.
    assertThat(lines.stream().filter(l -> !l.startsWith("|")).map(l -> l.split("\\|")[0] + "/" + l.split("\\|")[1]).distinct().count())
        .isEqualTo(4_500 - 4);
  }
}

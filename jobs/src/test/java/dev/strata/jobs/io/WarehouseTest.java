package dev.strata.jobs.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.api.Partition;
import dev.strata.api.StrataException;
import dev.strata.jobs.definition.Layer;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every path Strata writes is built by {@link Warehouse}, and none can leave the warehouse. */
class WarehouseTest {
  private static final Warehouse W = Warehouse.at("s3a://bucket/wh");
  private static final Partition DAY = Partition.day(LocalDate.of(2024, 1, 2));
  private static final String RUN = "20240102T031700Z-3fa9c1";

  /** Each path builder, given one name (table, pipeline, ledger table or run id) to vary. */
  private static final List<Function<String, String>> BUILDERS = List.of(
      n -> W.tablePath(Layer.SILVER, n),
      n -> W.quarantinePath(n),
      n -> W.ledgerPath(n),
      n -> W.stagingPath(RUN, n, DAY),
      n -> W.locksRoot(n),
      n -> W.lockPath(n, "t", DAY),
      n -> W.lockPath("p", n, DAY));

  @Test
  void validNamesMakePathsInsideTheWarehouse() {
    for (Function<String, String> build : BUILDERS) {
      String path = build.apply("stg_customer_2");
      assertThat(path).startsWith("s3a://bucket/wh/").doesNotContain("..").doesNotContain("//bucket/wh//");
    }
    assertThat(W.tablePath(Layer.GOLD, "account_summary")).isEqualTo("s3a://bucket/wh/gold/account_summary");
    assertThat(W.stagingPath(RUN, "t", DAY)).isEqualTo("s3a://bucket/wh/_strata/staging/" + RUN + "/t/2024-01-02");
    assertThat(W.reportDir(RUN)).isEqualTo("s3a://bucket/wh/_strata/reports/" + RUN);
    assertThat(W.lockPath("banking", "t", DAY)).isEqualTo("s3a://bucket/wh/_strata/locks/banking/t/2024-01-02.lock");
  }

  @Test
  void aNameThatIsNotAnIdentifierNeverBecomesAPath() {
    for (String bad : List.of("../silver/stg_customer", "../../../tmp/x", "a/b", "a;b", "a`b", "a'b", "a\"b", "A", "a b", "", ".",
        "..", "a.b", "_x", "1a", "a\u0001b", "a".repeat(65))) {
      for (Function<String, String> build : BUILDERS) {
        assertThatThrownBy(() -> build.apply(bad)).as("'%s'", bad).isInstanceOf(StrataException.InvalidException.class)
            .hasMessageContaining("for a path in the warehouse").hasMessageContaining("rename it");
      }
    }
  }

  @Test
  void aRunIdMustHaveTheShapeOfOne() {
    for (String bad : List.of("../../etc", "20240102T031700Z-3fa9c1/..", "x", "", "20240102T031700Z-3FA9C1")) {
      assertThatThrownBy(() -> W.reportDir(bad)).isInstanceOf(StrataException.InvalidException.class)
          .hasMessageContaining("as a run id").hasMessageContaining("strata history");
      assertThatThrownBy(() -> W.stagingRoot(bad)).isInstanceOf(StrataException.InvalidException.class);
    }
  }
}

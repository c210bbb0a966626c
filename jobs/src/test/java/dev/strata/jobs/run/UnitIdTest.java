package dev.strata.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.api.Partition;
import java.time.LocalDate;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A table partition as a value: written table@date, read back, ordered by partition then table. */
class UnitIdTest {
  @Test
  void writtenAndReadBackOrderedByPartitionThenTable() {
    UnitId a = UnitId.of("stg_account", Partition.day(LocalDate.of(2024, 1, 2)));
    assertThat(a).hasToString("stg_account@2024-01-02");
    assertThat(UnitId.parse(a.toString())).isEqualTo(a);
    assertThat(new TreeSet<>(List.of(a, UnitId.of("b", Partition.day(LocalDate.of(2024, 1, 2))), UnitId.of("z", Partition.day(LocalDate.of(2024, 1, 1))))))
        .containsExactly(UnitId.of("z", Partition.day(LocalDate.of(2024, 1, 1))), UnitId.of("b", Partition.day(LocalDate.of(2024, 1, 2))), a);
  }

  @Test
  void textThatIsNotAUnitIsRefusedWithWhatIsExpected() {
    assertThatThrownBy(() -> UnitId.parse("stg_account")).hasMessageContaining("is not a table partition written table@yyyy-MM-dd");
    assertThatThrownBy(() -> UnitId.parse("stg_account@yesterday")).hasMessageContaining("'stg_account@yesterday' is not a table partition");
  }
}

package dev.strata.jobs.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.io.HadoopFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BankingGeneratorTest {
  private static final LocalDate DAY = LocalDate.of(2024, 3, 1);
  @TempDir Path dir;

  private List<String> lines(String relative) throws IOException {
    return Files.readAllLines(dir.resolve(relative));
  }

  @Test
  void cleanDataHasTheDeclaredHeadersAndPredictableCounts() throws IOException {
    var counts = new BankingGenerator(new HadoopFiles(new Configuration()), 7).writeDay(dir.toUri().toString(), DAY, 300, Defects.NONE);
    List<String> customers = lines("customers/2024-03-01/customers.csv");
    List<String> accounts = lines("accounts/2024-03-01/accounts.csv");
    assertThat(customers.get(0)).isEqualTo(BankingGenerator.CUSTOMERS_HEADER);
    assertThat(accounts.get(0)).isEqualTo(BankingGenerator.ACCOUNTS_HEADER);
    assertThat(customers).hasSize(301);
    assertThat(accounts).hasSize(1 + BankingGenerator.accountCount(300)).hasSize(401);
    assertThat(counts.defects()).isEmpty();
    assertThat(customers.subList(1, 301)).allSatisfy(l -> assertThat(l).matches("C\\d{8},[A-Za-z]+ [A-Za-z]+,[YN],\\S+@Example\\.com,2024-03-01 \\d\\d:\\d\\d:00,2024-03-01"));
    assertThat(accounts.subList(1, 401)).allSatisfy(l -> assertThat(l).matches("A\\d{9},C\\d{8},\\d+\\.\\d\\d,(checking|savings),\\d{4}-\\d\\d-\\d\\d,2024-03-01"));
  }

  @Test
  void defectsHitExactlyTheirRate() throws IOException {
    Defects defects = new Defects(0.01, 0.02, 0.03, 0.1, 0.05, 0.01, 0.02, 0.03, 0.04);
    var counts = new BankingGenerator(new HadoopFiles(new Configuration()), 7).writeDay(dir.toUri().toString(), DAY, 1000, defects);
    int accounts = BankingGenerator.accountCount(1000);
    assertThat(counts.defects())
        .containsEntry("null_key", 10L)
        .containsEntry("null_name", 20L)
        .containsEntry("bad_flag", 30L)
        .containsEntry("flag_spellings", 100L)
        .containsEntry("updates", 50L)
        .containsEntry("duplicate_key", (long) Math.floor(accounts * 0.01))
        .containsEntry("bad_number", (long) Math.floor(accounts * 0.02))
        .containsEntry("orphan", (long) Math.floor(accounts * 0.03))
        .containsEntry("out_of_range", (long) Math.floor(accounts * 0.04));
    List<String> customers = lines("customers/2024-03-01/customers.csv");
    assertThat(customers).hasSize(1 + 1000 + 50);
    assertThat(customers.stream().filter(l -> l.contains(",maybe,"))).hasSize(30 + overlap(customers, ",maybe,", "updated."));
  }

  @Test
  void eachDefectShowsInTheFileExactly() throws IOException {
    Defects defects = new Defects(0.01, 0, 0, 0, 0, 0, 0.02, 0, 0.04);
    new BankingGenerator(new HadoopFiles(new Configuration()), 7).writeDay(dir.toUri().toString(), DAY, 1000, defects);
    int accounts = BankingGenerator.accountCount(1000);
    assertThat(lines("customers/2024-03-01/customers.csv").stream().filter(l -> l.startsWith(","))).hasSize(10);
    List<String> accountLines = lines("accounts/2024-03-01/accounts.csv");
    assertThat(accountLines.stream().filter(l -> l.contains(",N/A,"))).hasSize((int) Math.floor(accounts * 0.02));
    // A negative balance that was then replaced by N/A no longer shows as negative.
    long negative = accountLines.stream().filter(l -> l.matches("[^,]*,[^,]*,-.*")).count();
    assertThat(negative).isBetween((long) Math.floor(accounts * 0.04) - (long) Math.floor(accounts * 0.02), (long) Math.floor(accounts * 0.04));
  }

  /** Lines that carry both markers: a defective row that was also sent again as an update. */
  private static int overlap(List<String> lines, String a, String b) {
    return (int) lines.stream().filter(l -> l.contains(a) && l.contains(b)).count();
  }

  @Test
  void theSameSeedWritesTheSameBytes() throws IOException {
    HadoopFiles files = new HadoopFiles(new Configuration());
    new BankingGenerator(files, 1).writeDay(dir.resolve("a").toUri().toString(), DAY, 200, Defects.NONE);
    new BankingGenerator(files, 1).writeDay(dir.resolve("b").toUri().toString(), DAY, 200, Defects.NONE);
    new BankingGenerator(files, 2).writeDay(dir.resolve("c").toUri().toString(), DAY, 200, Defects.NONE);
    String a = Files.readString(dir.resolve("a/accounts/2024-03-01/accounts.csv"));
    assertThat(Files.readString(dir.resolve("b/accounts/2024-03-01/accounts.csv"))).isEqualTo(a);
    assertThat(Files.readString(dir.resolve("c/accounts/2024-03-01/accounts.csv"))).isNotEqualTo(a);
  }
}

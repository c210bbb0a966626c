package dev.strata.jobs.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.Options;
import dev.strata.api.Partition;
import dev.strata.api.Sink;
import dev.strata.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Partitions of one table delivered side by side: each counts and writes its own rows. */
class FilesSinkTest {
  @TempDir
  Path dir;

  @Test
  void partitionsDeliveredSideBySideEachReportTheirOwnRows() throws Exception {
    SparkSession spark = SparkTestSession.get();
    FilesSink sink = new FilesSink();
    Options options = Options.of(Map.of("path", "exports/t/{date}", "files", "1"));
    sink.validate(options);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Sink.Receipt>> receipts = new ArrayList<>();
      for (int day = 1; day <= 6; day++) {
        // Day d has d * 7 rows, so no two deliveries have the same count.
        Dataset<Row> rows = spark.range(day * 7L).toDF("id");
        Partition partition = Partition.day(LocalDate.of(2024, 1, day));
        Sink.Delivery delivery = new Sink.Delivery("t", partition, "as_of_date", rows, 0, "run-1", dir.toString(), Map.of(), dir.toString());
        receipts.add(pool.submit(() -> sink.deliver(delivery, options)));
      }
      for (int day = 1; day <= 6; day++) {
        Sink.Receipt receipt = receipts.get(day - 1).get();
        Path folder = dir.resolve("exports/t/2024-01-0" + day);
        assertThat(receipt.rows()).as("day %d", day).isEqualTo(day * 7L);
        assertThat(receipt.target()).endsWith("exports/t/2024-01-0" + day);
        assertThat(folder.resolve("_SUCCESS")).exists();
        assertThat(spark.read().option("header", "true").csv(folder.toString()).count()).isEqualTo(day * 7L);
      }
      // Nothing staged is left beside the partitions.
      try (var left = Files.list(dir.resolve("exports/t"))) {
        assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith("2024-01-0"));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}

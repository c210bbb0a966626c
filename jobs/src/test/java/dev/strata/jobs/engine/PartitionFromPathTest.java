package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import dev.strata.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source whose files hold no partition column takes each row's partition from its path ({@code
 * partition: path}), in every format; headerless delimited files with or without a delimiter at the
 * end of each line are read, and a line of the wrong length says how many fields it has.
 */
@IntegrationTest
class PartitionFromPathTest {
  private static final LocalDate FIRST = LocalDate.of(2024, 5, 30);
  private static final LocalDate SECOND = LocalDate.of(2024, 5, 31);

  @TempDir Path dir;

  private Path warehouse() {
    return dir.resolve("warehouse");
  }

  private Path pipeline() {
    String yaml = """
        pipeline: by_path
        sources:
          orders:
            path: landing/orders/{date}
            partition: path
            schema:
              order_id: bigint
              amount: decimal(10,2)
          lines:
            path: landing/lines/{date}
            partition: path
            options:
              header: "false"
              sep: "|"
              trailingDelimiter: "true"
            schema:
              line_id: bigint
              part: string
              quantity: int
          plain_lines:
            path: landing/plain_lines/{date}
            partition: path
            options:
              header: "false"
              sep: "|"
            schema:
              line_id: bigint
              part: string
              quantity: int
          events:
            path: landing/events/{date}
            format: json
            partition: path
            schema:
              event_id: string
              kind: string
          facts:
            path: landing/facts/{date:yyyyMMdd}
            format: parquet
            partition: path
            schema:
              fact_id: bigint
              value: double
        tables:
          orders_raw: {layer: bronze, inputs: [orders], sql: orders_raw.sql}
          lines_raw: {layer: bronze, inputs: [lines], sql: lines_raw.sql, max_quarantine_ratio: 0.6}
          plain_lines_raw: {layer: bronze, inputs: [plain_lines], sql: plain_lines_raw.sql, max_quarantine_ratio: 0.6}
          events_raw: {layer: bronze, inputs: [events], sql: events_raw.sql}
          facts_raw: {layer: bronze, inputs: [facts], sql: facts_raw.sql}
        """;
    return TinyPipeline.define(dir, "by_path", yaml,
        "orders_raw.sql", "SELECT * FROM orders",
        "lines_raw.sql", "SELECT * FROM lines",
        "plain_lines_raw.sql", "SELECT * FROM plain_lines",
        "events_raw.sql", "SELECT * FROM events",
        "facts_raw.sql", "SELECT * FROM facts");
  }

  private void land(String relative, String text) throws IOException {
    Path file = warehouse().resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  /** Lands a day of every source; {@code offset} makes the days' rows differ. */
  private void landDay(LocalDate day, int offset) throws IOException {
    land("landing/orders/" + day + "/orders.csv", "order_id,amount\n" + (offset + 1) + ",10.50\n" + (offset + 2) + ",3.25\n");
    land("landing/lines/" + day + "/lines.tbl", String.join("\n",
        (offset + 1) + "|widget|4|",   // the trailing delimiter, as dbgen writes it
        (offset + 2) + "|gadget|7",    // none: the same three fields
        (offset + 3) + "|bolt|9|extra|", // a field too many
        (offset + 4) + "|nut|",          // a field too few
        ""));
    land("landing/plain_lines/" + day + "/lines.tbl", String.join("\n",
        (offset + 1) + "|widget|4",
        (offset + 2) + "|gadget|7|",
        ""));
    land("landing/events/" + day + "/events.json",
        "{\"event_id\":\"e" + offset + "a\",\"kind\":\"click\"}\n{\"event_id\":\"e" + offset + "b\",\"kind\":\"view\"}\n");
    SparkSession spark = SparkTestSession.get();
    StructType facts = new StructType().add("fact_id", DataTypes.LongType).add("value", DataTypes.DoubleType);
    spark.createDataFrame(List.of(RowFactory.create(offset + 1L, 1.5), RowFactory.create(offset + 2L, 2.5),
            RowFactory.create(offset + 3L, 3.5)), facts)
        .coalesce(1).write().parquet(warehouse().resolve("landing/facts/" + day.toString().replace("-", "")).toString());
  }

  private Dataset<Row> delta(String relative) {
    return SparkTestSession.get().read().format("delta").load(warehouse().resolve(relative).toUri().toString());
  }

  /** Rows per partition value of a table, read back. */
  private Map<String, Long> perDay(String relative) {
    Map<String, Long> counts = new TreeMap<>();
    for (Row r : delta(relative).groupBy("as_of_date").count().collectAsList()) {
      counts.put(r.get(0).toString(), r.getLong(1));
    }
    return counts;
  }

  @Test
  void everyFormatTakesItsRowsPartitionFromThePathAndHeaderlessLinesSayWhatTheyHold() throws IOException {
    landDay(FIRST, 0);
    landDay(SECOND, 100);

    Cli.Outcome outcome = Cli.run("run", pipeline().toString(), "--from", FIRST.toString(), "--to", SECOND.toString(),
        "--warehouse", warehouse().toString());

    assertThat(outcome.exit()).as(outcome.toString()).isZero();
    Map<String, Long> two = Map.of(FIRST.toString(), 2L, SECOND.toString(), 2L);
    assertThat(perDay("bronze/orders_raw")).isEqualTo(two);
    assertThat(perDay("bronze/events_raw")).isEqualTo(two);
    assertThat(perDay("bronze/facts_raw")).isEqualTo(Map.of(FIRST.toString(), 3L, SECOND.toString(), 3L));
    assertThat(perDay("bronze/lines_raw")).isEqualTo(two);
    assertThat(perDay("bronze/plain_lines_raw")).isEqualTo(Map.of(FIRST.toString(), 1L, SECOND.toString(), 1L));
    // The partition value is typed (a day is a DATE) whatever the format, and each row has its own path's.
    for (String table : List.of("orders_raw", "lines_raw", "plain_lines_raw", "events_raw", "facts_raw")) {
      Dataset<Row> rows = delta("bronze/" + table);
      assertThat(rows.schema().apply("as_of_date").dataType()).as(table).isEqualTo(DataTypes.DateType);
    }
    assertThat(delta("bronze/orders_raw").where("as_of_date = DATE'" + SECOND + "'").select("order_id").as(
        org.apache.spark.sql.Encoders.STRING()).collectAsList()).containsExactlyInAnyOrder("101", "102");
    assertThat(delta("bronze/facts_raw").where("as_of_date = DATE'" + FIRST + "'").select("fact_id").as(
        org.apache.spark.sql.Encoders.LONG()).collectAsList()).containsExactlyInAnyOrder(1L, 2L, 3L);
    // Lines with and without the trailing delimiter read alike: the same fields, nothing after them.
    assertThat(delta("bronze/lines_raw").where("as_of_date = DATE'" + FIRST + "'").orderBy("line_id")
        .select("line_id", "part", "quantity").collectAsList()).map(Row::toString)
        .containsExactly("[1,widget,4]", "[2,gadget,7]");

    Map<String, List<String>> lineReasons = reasonsByRawLine("_quarantine/lines_raw", FIRST);
    assertThat(lineReasons).isEqualTo(Map.of(
        "3|bolt|9|extra|", List.of("malformed: the line has 4 fields where the source declares 3"),
        "4|nut|", List.of("malformed: the line has 2 fields where the source declares 3")));
    assertThat(reasonsByRawLine("_quarantine/plain_lines_raw", FIRST)).isEqualTo(Map.of(
        "2|gadget|7|", List.of("malformed: the line has 4 fields where the source declares 3: it ends with the delimiter; if the"
            + " source's lines end that way, set its option trailingDelimiter: \"true\"")));
    assertThat(delta("_quarantine/lines_raw").schema().apply("as_of_date").dataType()).isEqualTo(DataTypes.DateType);
    assertThat(outcome.out()).contains("quarantined 2 of 4 rows: malformed: the line has");
  }

  private Map<String, List<String>> reasonsByRawLine(String relative, LocalDate day) {
    Map<String, List<String>> reasons = new TreeMap<>();
    for (Row r : delta(relative).where("as_of_date = DATE'" + day + "'").collectAsList()) {
      reasons.put(r.getAs("_strata_raw_line"), r.getList(r.fieldIndex("_strata_failed_rules")));
    }
    return reasons;
  }

  @Test
  void aSourceThatBothDeclaresThePartitionColumnAndTakesItFromThePathIsRejectedAtValidation() {
    Path pipeline = TinyPipeline.define(dir, "clash", """
        pipeline: clash
        sources:
          raw:
            path: landing/raw/{date}
            partition: path
            schema:
              id: string
              as_of_date: date
          other:
            path: landing/other/{date}
            schema:
              id: string
        tables:
          b: {layer: bronze, inputs: [raw], sql: b.sql}
          c: {layer: bronze, inputs: [other], sql: c.sql}
        """, "b.sql", "SELECT * FROM raw", "c.sql", "SELECT * FROM other");

    Cli.Outcome outcome = Cli.run("validate", pipeline.toString());

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(2);
    assertThat(outcome.out() + outcome.err())
        .contains("sources.raw.partition: partition: path gives every row of 'raw' the partition of its path as column"
            + " 'as_of_date' (the partition_column of b), which the source also declares as a column of its files")
        .contains("tables.c.partition_column: partition column 'as_of_date' is missing from the declared schema of source"
            + " 'other'")
        .contains("or write partition: path on the source to take each row's partition from the {date} of its path");
  }

  @Test
  void aSourcesPartitionWordIsCheckedWhenLoaded() {
    Path pipeline = TinyPipeline.define(dir, "word", """
        pipeline: word
        sources:
          raw:
            path: landing/raw/{date}
            partition: folder
            schema:
              id: string
        tables:
          b: {layer: bronze, inputs: [raw], sql: b.sql}
        """, "b.sql", "SELECT * FROM raw");

    Cli.Outcome outcome = Cli.run("validate", pipeline.toString());

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(2);
    assertThat(outcome.out() + outcome.err()).contains("sources.raw.partition: expected column (a column of the data holds each row's"
        + " partition) or path (the {date} of the path is every row's partition), found 'folder'");
  }
}

package dev.strata.jobs.io.formats;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.strata.api.SourceFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Kafka topic ({@code format: kafka}): each run first pulls the topic's new messages into the
 * source's landing folders ({@code dev.strata.jobs.stream.KafkaPull}: exactly once, by recorded
 * offsets), one folder per partition of their arrival time (the message's Kafka timestamp), as
 * files of this format; then bronze reads them like any landed files.
 *
 * <p>This format reads those files (Parquet): each row one message, {@code topic}, {@code partition},
 * {@code offset}, {@code timestamp}, {@code key} and the raw {@code value}. The value is decoded as
 * a JSON object of the declared fields (read as text, as CSV and JSON are); a declared column
 * named {@code _kafka_topic}, {@code _kafka_partition}, {@code _kafka_offset}, {@code
 * _kafka_timestamp} or {@code _kafka_key} gets the message's own. A value that is not a JSON
 * object (or no value at all) is malformed: quarantined at bronze with {@code topic[partition]@offset:
 * value} as its record.
 */
public final class KafkaFormat implements SourceFormat {
  /** The columns of a landed message. */
  public static final StructType ENVELOPE =
      StructType.fromDDL("topic STRING, partition INT, offset BIGINT, timestamp STRING, key STRING, value STRING");
  /** The options a kafka source takes. */
  public static final Set<String> OPTIONS = dev.strata.jobs.io.KafkaClients.optionsWith("topic", "starting_offsets", "max_messages", "timeout");
  private static final String CORRUPT_VALUE = "_strata_corrupt_value";

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public boolean textual() {
    return true;
  }

  @Override
  public void validate(Map<String, String> options) {
    List<String> unknown = options.keySet().stream().filter(k -> !OPTIONS.contains(k)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown option(s) " + unknown + " of a kafka source; it takes " + new java.util.TreeSet<>(OPTIONS));
    }
    if (options.getOrDefault("topic", "").isBlank()) {
      throw new IllegalArgumentException("a kafka source names its topic: options: {topic: NAME}");
    }
    dev.strata.jobs.io.KafkaClients.validate(options);
    String start = options.getOrDefault("starting_offsets", "earliest");
    if (!start.equals("earliest") && !start.equals("latest")) {
      throw new IllegalArgumentException("starting_offsets is earliest (the default: every message the topic still holds) or latest"
          + " (only messages produced after the first pull), not '" + start + "'");
    }
    String max = options.get("max_messages");
    if (max != null) {
      long n;
      try {
        n = Long.parseLong(max.strip());
      } catch (NumberFormatException e) {
        n = 0;
      }
      if (n < 1) {
        throw new IllegalArgumentException("max_messages is the most messages one pull lands, a whole number from 1; not '" + max + "'");
      }
    }
    String timeout = options.get("timeout");
    if (timeout != null && dev.strata.jobs.definition.Durations.parse(timeout) == null) {
      throw new IllegalArgumentException("timeout is how long to wait for the broker, a duration such as 30s; not '" + timeout + "'");
    }
  }

  @Override
  public Dataset<Row> read(SparkSession spark, Read read) {
    Dataset<Row> messages = spark.read().schema(ENVELOPE).parquet(read.files().toArray(String[]::new))
        .withColumn(read.file(), col("_metadata.file_path"));
    List<StructField> fields = new ArrayList<>();
    for (StructField f : read.columns().fields()) {
      if (!f.name().startsWith("_kafka_")) {
        fields.add(DataTypes.createStructField(f.name(), DataTypes.StringType, true));
      }
    }
    fields.add(DataTypes.createStructField(CORRUPT_VALUE, DataTypes.StringType, true));
    Column decoded = from_json(col("value"), DataTypes.createStructType(fields),
        Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", CORRUPT_VALUE));
    Dataset<Row> withValue = messages.withColumn("_strata_decoded", decoded);
    List<Column> out = new ArrayList<>();
    for (StructField f : read.columns().fields()) {
      Column c = switch (f.name()) {
        case "_kafka_topic" -> col("topic");
        case "_kafka_partition" -> col("partition").cast(DataTypes.StringType);
        case "_kafka_offset" -> col("offset").cast(DataTypes.StringType);
        case "_kafka_timestamp" -> col("timestamp");
        case "_kafka_key" -> col("key");
        default -> col("_strata_decoded").getField(f.name());
      };
      out.add(c.as(f.name()));
    }
    Column unreadable = col("value").isNull().or(col("_strata_decoded").isNull()).or(col("_strata_decoded").getField(CORRUPT_VALUE).isNotNull());
    out.add(when(unreadable, concat(col("topic"), lit("["), col("partition").cast(DataTypes.StringType), lit("]@"),
        col("offset").cast(DataTypes.StringType), lit(": "), coalesce(col("value"), lit("(no value)")))).as(read.corrupt()));
    out.add(col(read.file()));
    return withValue.select(out.toArray(Column[]::new));
  }

  @Override
  public Column record(List<Column> values, Map<String, String> options) {
    return functions.to_json(functions.struct(values.toArray(Column[]::new)));
  }

  @Override
  public String unreadable(StructType columns) {
    return "the message's value is not a JSON object of the declared fields";
  }
}

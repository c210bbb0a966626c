package dev.strata.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;

import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.HistoryTable;
import dev.strata.api.TransformInputs;
import dev.strata.transforms.banking.AccountSummary;
import dev.strata.transforms.banking.AccountWithCustomer;
import dev.strata.transforms.banking.StageAccount;
import dev.strata.transforms.banking.StageCustomer;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The banking pipeline as a data engineer would write it by hand in plain Spark: the same
 * transforms, the same SQL and the same Delta writes (each table's day replaced with {@code
 * replaceWhere}, the customer history applied with the same MERGE), and nothing else: no staging,
 * no row accounting, no gates, no ledger. The baseline of the engine-overhead comparison.
 */
final class HandWrittenBanking {
  private static final TableDefinition.History CUSTOMER_HISTORY =
      new TableDefinition.History(List.of("customer_id"), List.of("customer_name", "email", "has_loan_flag"), true);

  private HandWrittenBanking() {}

  /** Builds every table's partition for {@code day} under {@code warehouse}, from {@code warehouse}/landing. */
  static void run(SparkSession spark, String warehouse, LocalDate day, String customerMetricsSql) {
    Timestamp ingestedAt = Timestamp.from(Instant.now());
    String text = "as_of_date = '" + day + "'";
    String date = "as_of_date = DATE'" + day + "'";

    // bronze: the landing rows as text, with where they came from and when
    for (String source : List.of("customers", "accounts")) {
      Dataset<Row> raw =
          spark.read().option("header", "true").csv(warehouse + "/landing/" + source + "/" + day)
              .withColumn("_source_file", input_file_name())
              .withColumn("_ingested_at", lit(ingestedAt));
      write(raw, warehouse + "/bronze/" + source + "_raw", text);
    }
    Dataset<Row> customersRaw = read(spark, warehouse + "/bronze/customers_raw", text);
    Dataset<Row> accountsRaw = read(spark, warehouse + "/bronze/accounts_raw", text);

    // silver
    write(new StageCustomer().apply(TransformInputs.of(StageCustomer.INPUT, customersRaw, day)), warehouse + "/silver/stg_customer", date);
    Dataset<Row> stgCustomer = read(spark, warehouse + "/silver/stg_customer", date);
    write(new StageAccount().apply(TransformInputs.of(StageAccount.INPUT, accountsRaw, day)), warehouse + "/silver/stg_account", date);
    Dataset<Row> stgAccount = read(spark, warehouse + "/silver/stg_account", date);
    write(
        new AccountWithCustomer().apply(TransformInputs.of(Map.of(AccountWithCustomer.ACCOUNTS, stgAccount, AccountWithCustomer.CUSTOMERS, stgCustomer), day)),
        warehouse + "/silver/int_account_with_customer", date);
    String snap = warehouse + "/silver/snap_customer";
    Dataset<Row> history = io.delta.tables.DeltaTable.isDeltaTable(spark, snap) ? spark.read().format("delta").load(snap) : null;
    Dataset<Row> tail = HistoryTable.applySnapshot(history, stgCustomer.drop("as_of_date"), CUSTOMER_HISTORY, day);
    HistoryTable.publish(spark, snap, tail, CUSTOMER_HISTORY.key(), day, false);

    // gold
    Dataset<Row> withCustomer = read(spark, warehouse + "/silver/int_account_with_customer", date);
    write(new AccountSummary().apply(TransformInputs.of(AccountSummary.INPUT, withCustomer, day)), warehouse + "/gold/account_summary", date);
    HistoryTable.asOf(spark.read().format("delta").load(snap), day).withColumn("as_of_date", lit(Date.valueOf(day)))
        .createOrReplaceTempView("snap_customer");
    stgAccount.createOrReplaceTempView("stg_account");
    write(spark.sql(customerMetricsSql), warehouse + "/gold/customer_metrics", date);
  }

  private static Dataset<Row> read(SparkSession spark, String path, String where) {
    return spark.read().format("delta").load(path).where(where);
  }

  private static void write(Dataset<Row> rows, String path, String replaceWhere) {
    rows.write().format("delta").mode("overwrite").option("replaceWhere", replaceWhere).partitionBy("as_of_date").save(path);
  }

  /** The rows of a table's day ({@code layer/table}) in a warehouse: to check that two sides built the same thing. */
  static long rows(SparkSession spark, String warehouse, String table, LocalDate day) {
    return spark.read().format("delta").load(warehouse + "/" + table).where(col("as_of_date").equalTo(lit(Date.valueOf(day)))).count();
  }
}

package dev.strata.transforms.banking;

import static org.apache.spark.sql.functions.col;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * silver {@code int_account_with_customer}: every account with its customer's attributes.
 *
 * <p>A left join: an account whose customer is unknown stays, with null customer columns, so that
 * the table's referential-integrity rule sees it instead of the join dropping it silently.
 */
public final class AccountWithCustomer implements TableTransform {
  public static final String ACCOUNTS = "stg_account";
  public static final String CUSTOMERS = "stg_customer";

  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    Dataset<Row> a = inputs.get(ACCOUNTS).alias("a");
    Dataset<Row> c = inputs.get(CUSTOMERS).alias("c");
    return a.join(
            c,
            col("a.customer_id")
                .equalTo(col("c.customer_id"))
                .and(col("a.as_of_date").equalTo(col("c.as_of_date"))),
            "left")
        .select(
            col("a.account_id"),
            col("a.customer_id"),
            col("a.balance"),
            col("a.account_type"),
            col("a.opened_date"),
            col("c.customer_name"),
            col("c.has_loan_flag"),
            col("c.email"),
            col("a.as_of_date"));
  }
}

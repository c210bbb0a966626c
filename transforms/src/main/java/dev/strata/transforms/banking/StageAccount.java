package dev.strata.transforms.banking;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_date;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import dev.strata.transforms.common.Standardize;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * silver {@code stg_account}: typed accounts; balances as decimal(18,2).
 *
 * <p>Input {@code accounts_raw} (bronze, all text). A balance that does not parse becomes null, for
 * the table's completeness rule to catch; account types are lower-cased.
 */
public final class StageAccount implements TableTransform {
  public static final String INPUT = "accounts_raw";

  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    return inputs
        .get(INPUT)
        .select(
            Standardize.text(col("account_id")).as("account_id"),
            Standardize.text(col("customer_id")).as("customer_id"),
            Standardize.decimal(col("balance"), 18, 2).as("balance"),
            Standardize.lowerText(col("account_type")).as("account_type"),
            to_date(Standardize.text(col("opened_date"))).as("opened_date"),
            to_date(Standardize.text(col("as_of_date"))).as("as_of_date"));
  }
}

package dev.strata.transforms.banking;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_timestamp;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import dev.strata.transforms.common.Deduplicate;
import dev.strata.transforms.common.Standardize;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * silver {@code stg_customer}: typed customers, one row per customer_id (the latest by updated_at).
 *
 * <p>Input {@code customers_raw} (bronze, all text). The loan flag is standardized from every
 * spelling the source uses (Y/N, yes/no, 1/0, true/false) to a boolean, emails are lower-cased.
 */
public final class StageCustomer implements TableTransform {
  public static final String INPUT = "customers_raw";

  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    Dataset<Row> typed =
        inputs
            .get(INPUT)
            .select(
                Standardize.text(col("customer_id")).as("customer_id"),
                Standardize.text(col("customer_name")).as("customer_name"),
                Standardize.flag(col("has_loan")).as("has_loan_flag"),
                Standardize.lowerText(col("email")).as("email"),
                to_timestamp(Standardize.text(col("updated_at"))).as("updated_at"),
                to_date(Standardize.text(col("as_of_date"))).as("as_of_date"));
    return Deduplicate.firstPerKey(
        typed,
        new String[] {"customer_id"},
        col("updated_at").desc_nulls_last(),
        col("customer_name").asc_nulls_last(),
        col("email").asc_nulls_last(),
        col("has_loan_flag").asc_nulls_last());
  }
}

package dev.strata.transforms.banking;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.strata.api.TableTransform;
import dev.strata.api.TransformInputs;
import java.math.BigDecimal;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * gold {@code account_summary}: per account and as_of_date, the balance tier, the interest rate and
 * the balance after interest.
 *
 * <p>Tiers by balance: {@code low} below 1,000 (1.0 %), {@code standard} below 10,000 (1.5 %),
 * {@code premium} from 10,000 (2.0 %). A customer with a loan earns 0.5 points more, so every rate
 * lies within [0.01, 0.025]. {@code new_balance_amount = balance * (1 + rate)}, rounded half-up to
 * cents.
 */
public final class AccountSummary implements TableTransform {
  public static final String INPUT = "int_account_with_customer";

  static final BigDecimal LOW_LIMIT = new BigDecimal("1000");
  static final BigDecimal STANDARD_LIMIT = new BigDecimal("10000");
  static final BigDecimal LOAN_BONUS = new BigDecimal("0.005");

  @Override
  public Dataset<Row> apply(TransformInputs inputs) {
    Column balance = col("balance");
    Column tier =
        when(balance.lt(lit(LOW_LIMIT)), lit("low"))
            .when(balance.lt(lit(STANDARD_LIMIT)), lit("standard"))
            .otherwise(lit("premium"));
    Column baseRate =
        when(col("balance_tier").equalTo("low"), lit(new BigDecimal("0.010")))
            .when(col("balance_tier").equalTo("standard"), lit(new BigDecimal("0.015")))
            .otherwise(lit(new BigDecimal("0.020")));
    Column bonus =
        when(coalesce(col("has_loan_flag"), lit(false)), lit(LOAN_BONUS))
            .otherwise(lit(BigDecimal.ZERO));
    Column rate = baseRate.plus(bonus).cast(DataTypes.createDecimalType(6, 4));
    Column newBalance =
        balance
            .multiply(lit(BigDecimal.ONE).plus(col("interest_rate_pct")))
            .cast(DataTypes.createDecimalType(18, 2));
    return inputs
        .get(INPUT)
        .select(
            col("account_id"),
            col("customer_id"),
            col("account_type"),
            balance,
            tier.as("balance_tier"),
            col("has_loan_flag"),
            col("as_of_date"))
        .withColumn("interest_rate_pct", rate)
        .withColumn("new_balance_amount", newBalance)
        .select(
            col("account_id"),
            col("customer_id"),
            col("account_type"),
            col("balance"),
            col("balance_tier"),
            col("interest_rate_pct"),
            col("new_balance_amount"),
            col("as_of_date"));
  }
}

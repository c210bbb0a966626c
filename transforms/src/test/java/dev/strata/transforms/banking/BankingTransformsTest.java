package dev.strata.transforms.banking;

import static dev.strata.testing.SparkTestSession.row;
import static dev.strata.testing.SparkTestSession.rows;
import static dev.strata.testing.SparkTestSession.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.api.TransformInputs;
import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/** Given these rows, each banking transform produces these rows. */
class BankingTransformsTest {
  private static final LocalDate DAY = LocalDate.of(2024, 1, 1);
  private static final String CUSTOMER_COLUMNS = "customer_id,customer_name,has_loan,email,updated_at,as_of_date";

  @Test
  void stageCustomerTypesStandardizesAndKeepsTheLatestRowPerCustomer() {
    Dataset<Row> raw =
        strings(
            CUSTOMER_COLUMNS,
            row("C1", "Ada", "yes", "Ada@X.COM", "2024-01-01 08:00:00", "2024-01-01"),
            row("C1", "Ada", "yes", "ada.new@x.com", "2024-01-01 09:00:00", "2024-01-01"),
            row("C2", "Alan", "0", "alan@x.com", "2024-01-01 08:00:00", "2024-01-01"),
            row(" ", "Nobody", "N", "n@x.com", "2024-01-01 08:00:00", "2024-01-01"));
    Dataset<Row> out = new StageCustomer().apply(TransformInputs.of("customers_raw", raw, DAY));

    assertThat(out.schema().apply("has_loan_flag").dataType()).isEqualTo(DataTypes.BooleanType);
    assertThat(out.schema().apply("as_of_date").dataType()).isEqualTo(DataTypes.DateType);
    List<Row> rows = out.orderBy("customer_id").collectAsList();
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0).isNullAt(0)).as("blank id kept as null for the completeness rule").isTrue();
    Row ada = rows.get(1);
    assertThat(ada.<String>getAs("email")).isEqualTo("ada.new@x.com");
    assertThat(ada.<Boolean>getAs("has_loan_flag")).isTrue();
    assertThat(rows.get(2).<Boolean>getAs("has_loan_flag")).isFalse();
    assertThat(ada.<Date>getAs("as_of_date")).isEqualTo(Date.valueOf(DAY));
  }

  @Test
  void stageAccountParsesBalancesAndNullsWhatDoesNotParse() {
    Dataset<Row> raw =
        strings(
            "account_id,customer_id,balance,account_type,opened_date,as_of_date",
            row("A1", "C1", "100.5", "Checking", "2020-02-29", "2024-01-01"),
            row("A2", "C1", "N/A", "savings", "2021-01-01", "2024-01-01"));
    List<Row> rows = new StageAccount().apply(TransformInputs.of("accounts_raw", raw, DAY)).orderBy("account_id").collectAsList();
    assertThat(rows.get(0).<BigDecimal>getAs("balance")).isEqualByComparingTo("100.50");
    assertThat(rows.get(0).<String>getAs("account_type")).isEqualTo("checking");
    assertThat(rows.get(1).isNullAt(rows.get(1).fieldIndex("balance"))).isTrue();
  }

  @Test
  void accountWithCustomerKeepsAccountsOfUnknownCustomers() {
    Dataset<Row> accounts =
        rows(
            "account_id STRING, customer_id STRING, balance DECIMAL(18,2), account_type STRING, opened_date DATE, as_of_date DATE",
            row("A1", "C1", new BigDecimal("1.00"), "checking", Date.valueOf("2020-01-01"), Date.valueOf(DAY)),
            row("A2", "C9", new BigDecimal("2.00"), "savings", Date.valueOf("2020-01-01"), Date.valueOf(DAY)));
    Dataset<Row> customers =
        rows(
            "customer_id STRING, customer_name STRING, has_loan_flag BOOLEAN, email STRING, updated_at TIMESTAMP, as_of_date DATE",
            row("C1", "Ada", true, "a@x.com", null, Date.valueOf(DAY)));
    List<Row> rows =
        new AccountWithCustomer()
            .apply(TransformInputs.of(Map.of("stg_account", accounts, "stg_customer", customers), DAY))
            .orderBy("account_id")
            .collectAsList();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).<String>getAs("customer_name")).isEqualTo("Ada");
    assertThat(rows.get(1).<String>getAs("customer_id")).isEqualTo("C9");
    assertThat(rows.get(1).isNullAt(rows.get(1).fieldIndex("customer_name"))).isTrue();
  }

  @Test
  void accountSummaryTiersRatesAndNewBalances() {
    Dataset<Row> joined =
        rows(
            "account_id STRING, customer_id STRING, balance DECIMAL(18,2), account_type STRING, has_loan_flag BOOLEAN, as_of_date DATE",
            row("A1", "C1", new BigDecimal("999.99"), "checking", false, Date.valueOf(DAY)),
            row("A2", "C1", new BigDecimal("1000.00"), "checking", true, Date.valueOf(DAY)),
            row("A3", "C2", new BigDecimal("10000.00"), "savings", false, Date.valueOf(DAY)),
            row("A4", "C3", new BigDecimal("20000.00"), "savings", true, Date.valueOf(DAY)),
            row("A5", "C4", new BigDecimal("50.00"), "savings", null, Date.valueOf(DAY)));
    List<Row> rows =
        new AccountSummary().apply(TransformInputs.of("int_account_with_customer", joined, DAY)).orderBy("account_id").collectAsList();
    assertThat(rows.stream().map(r -> r.<String>getAs("balance_tier")).toList())
        .containsExactly("low", "standard", "premium", "premium", "low");
    assertThat(rows.stream().map(r -> r.<BigDecimal>getAs("interest_rate_pct").toPlainString()).toList())
        .containsExactly("0.0100", "0.0200", "0.0200", "0.0250", "0.0100");
    assertThat(rows.stream().map(r -> r.<BigDecimal>getAs("new_balance_amount").toPlainString()).toList())
        .containsExactly("1009.99", "1020.00", "10200.00", "20500.00", "50.50");
  }

  @Test
  void aTransformAskingForAnUndeclaredInputSaysWhichAreDeclared() {
    assertThatThrownBy(() -> new StageCustomer().apply(TransformInputs.of("other", strings("a"), DAY)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot find input 'customers_raw'")
        .hasMessageContaining("[other]");
  }
}

-- gold customer_metrics: per customer and day, the number of accounts, the total balance and the
-- loan flag. Every customer appears, with 0 accounts if they have none.
SELECT
  c.customer_id,
  c.has_loan_flag,
  COUNT(a.account_id)                                  AS accounts,
  CAST(COALESCE(SUM(a.balance), 0) AS DECIMAL(20, 2))  AS total_balance,
  c.as_of_date
FROM snap_customer c
LEFT JOIN stg_account a
  ON a.customer_id = c.customer_id AND a.as_of_date = c.as_of_date
GROUP BY c.customer_id, c.has_loan_flag, c.as_of_date

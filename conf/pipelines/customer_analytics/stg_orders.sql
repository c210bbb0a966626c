-- silver stg_orders: typed; cancelled orders removed; an order delivered twice keeps its latest delivery (the later landing day).
SELECT order_id, customer_id, order_ts, order_date, total_amount, status
FROM (
  SELECT
    order_id,
    nullif(trim(customer_id), '') AS customer_id,
    CAST(order_date AS TIMESTAMP) AS order_ts,
    CAST(order_date AS DATE) AS order_date,
    CAST(total_amount AS DECIMAL(12,2)) AS total_amount,
    lower(trim(status)) AS status,
    row_number() OVER (PARTITION BY order_id ORDER BY as_of_date DESC, _ingested_at DESC) AS delivery
  FROM orders_raw
  WHERE lower(trim(status)) <> 'cancelled'
)
WHERE delivery = 1

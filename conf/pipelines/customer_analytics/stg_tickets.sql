-- silver stg_tickets: typed, priority and category normalized; a ticket event delivered twice (Kafka
-- delivers at least once: a producer's retry, a support system that sends its hour again) is kept once.
SELECT ticket_id, customer_id, created_at, category, priority, resolved_at, as_of_hour
FROM (
  SELECT
    ticket_id,
    nullif(trim(customer_id), '') AS customer_id,
    CAST(created_date AS TIMESTAMP) AS created_at,
    lower(trim(category)) AS category,
    lower(trim(priority)) AS priority,
    CAST(resolved_date AS TIMESTAMP) AS resolved_at,
    as_of_hour,
    row_number() OVER (PARTITION BY ticket_id ORDER BY _kafka_partition, _kafka_offset) AS delivery
  FROM tickets_raw
)
WHERE delivery = 1

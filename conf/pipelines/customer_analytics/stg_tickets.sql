-- silver stg_tickets: typed, priority and category normalized.
SELECT
  ticket_id,
  nullif(trim(customer_id), '') AS customer_id,
  CAST(created_date AS TIMESTAMP) AS created_at,
  lower(trim(category)) AS category,
  lower(trim(priority)) AS priority,
  CAST(resolved_date AS TIMESTAMP) AS resolved_at,
  as_of_hour
FROM tickets_raw

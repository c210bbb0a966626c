-- bronze orders_raw: the landing rows as ingested (all text), their landing day from the path.
SELECT * FROM orders

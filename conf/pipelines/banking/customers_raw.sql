-- bronze customers_raw: the landing rows as ingested (all text), with _source_file and _ingested_at.
SELECT * FROM customers

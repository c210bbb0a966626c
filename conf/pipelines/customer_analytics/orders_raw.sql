-- bronze orders_raw: the orders as the database holds them (typed as declared), their landing day from loaded_at.
SELECT * FROM orders

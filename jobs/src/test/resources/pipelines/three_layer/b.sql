SELECT id, amount, as_of_date FROM raw

SELECT id, as_of_date FROM raw

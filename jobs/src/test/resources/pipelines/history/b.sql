SELECT id, name, as_of_date FROM raw

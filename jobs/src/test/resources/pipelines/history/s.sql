SELECT id, name, CAST(as_of_date AS DATE) AS as_of_date FROM b

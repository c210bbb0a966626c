SELECT id, CAST(amount AS INT) AS amount, as_of_date FROM b

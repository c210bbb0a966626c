SELECT id, CAST(amount AS INT) AS amount, CAST(as_of_date AS DATE) AS as_of_date FROM b

SELECT id, amount * 2 AS doubled, as_of_date FROM s

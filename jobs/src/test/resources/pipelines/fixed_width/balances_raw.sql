SELECT account_id, balance, as_of_date FROM balances

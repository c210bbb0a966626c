-- bronze tickets_raw: the ticket events of each landing hour, as ingested.
SELECT * FROM support_tickets

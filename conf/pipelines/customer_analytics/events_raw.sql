-- bronze events_raw: the marketing events of each landing day, as ingested.
SELECT * FROM marketing_events

-- silver stg_marketing_events: each event with its campaign's channel (a left join: an event of an
-- unknown campaign stays, for the referential-integrity rule to quarantine it).
SELECT e.event_id, e.customer_id, lower(trim(e.event_type)) AS event_type, e.campaign_id, c.channel, e.as_of_date
FROM events_raw e
LEFT JOIN dim_campaigns c ON e.campaign_id = c.campaign_id

-- silver dim_campaigns: one row per campaign.
SELECT DISTINCT campaign_id, trim(campaign_name) AS campaign_name, lower(trim(channel)) AS channel
FROM campaigns_raw

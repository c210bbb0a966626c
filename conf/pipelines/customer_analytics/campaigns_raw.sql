-- bronze campaigns_raw: the campaign list as landed, whole.
SELECT * FROM campaigns

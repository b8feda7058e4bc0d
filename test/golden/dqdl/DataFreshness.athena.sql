-- DataFreshness "created_at" <= 24 hours
-- DataFreshness "ship_date" between 1 days and 30 days

-- query 1 of 1: scan, read by rules 0, 1
SELECT
  count(*) AS m0,
  count(CASE WHEN ("created_at" >= TIMESTAMP '2025-06-14 08:30:00.000') THEN 1 END) AS m1,
  count(CASE WHEN ((CAST("ship_date" AS TIMESTAMP) < TIMESTAMP '2025-06-14 08:30:00.000' AND CAST("ship_date" AS TIMESTAMP) > TIMESTAMP '2025-05-16 08:30:00.000')) THEN 1 END) AS m2
FROM "lake_dev_silver"."orders";

-- Completeness "email" > 0.95

-- query 1 of 1: scan, read by rule 0
SELECT
  count(*) AS m0,
  count("email") AS m1
FROM "lake_dev_silver"."orders";

-- Sum "amount" > 1000

-- query 1 of 1: scan, read by rule 0
SELECT
  CAST(sum("amount") AS DOUBLE) AS m0,
  CAST(sum("amount") AS VARCHAR) AS m1,
  count(*) AS m2
FROM "lake_dev_silver"."orders";

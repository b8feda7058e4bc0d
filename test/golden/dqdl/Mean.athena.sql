-- Mean "amount" between 10 and 100 where "status = 'NEW'"

-- query 1 of 1: scan, read by rule 0
SELECT
  avg(CASE WHEN (status = 'NEW') THEN CAST("amount" AS DOUBLE) END) AS m0,
  count(CASE WHEN (status = 'NEW') THEN 1 END) AS m1
FROM "lake_dev_silver"."orders";

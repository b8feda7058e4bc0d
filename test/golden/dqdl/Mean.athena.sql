-- Mean "amount" between 10 and 100 where "status = 'NEW'"

-- query 1 of 1: scan, read by rule 0
SELECT
  avg(CAST("amount" AS DOUBLE)) FILTER (WHERE (status = 'NEW')) AS m0,
  count(*) FILTER (WHERE (status = 'NEW')) AS m1
FROM "lake_dev_silver"."orders";

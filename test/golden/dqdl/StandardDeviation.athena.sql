-- StandardDeviation "discount" < 0.2

-- query 1 of 1: scan, read by rule 0
SELECT
  stddev_pop(CAST("discount" AS DOUBLE)) AS m0,
  count(*) AS m1
FROM "lake_dev_silver"."orders";

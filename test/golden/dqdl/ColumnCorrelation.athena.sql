-- ColumnCorrelation "amount" "discount" > -0.5

-- query 1 of 1: scan, read by rule 0
SELECT
  corr(CAST("amount" AS DOUBLE), CAST("discount" AS DOUBLE)) AS m0,
  count(*) AS m1
FROM "lake_dev_silver"."orders";

-- RowCountMatch "customers" between 0.5 and 20

-- query 1 of 2: scan, read by rule 0
SELECT
  count(*) AS m0
FROM "lake_dev_silver"."orders";

-- query 2 of 2: reference, read by rule 0
SELECT count(*) AS "refRows" FROM "lake_dev_silver"."customers";

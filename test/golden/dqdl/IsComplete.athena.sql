-- IsComplete "email" where "status <> 'CANCELLED'"

-- query 1 of 1: scan, read by rule 0
SELECT
  count(CASE WHEN (status <> 'CANCELLED') THEN 1 END) AS m0,
  count(CASE WHEN (status <> 'CANCELLED') THEN "email" END) AS m1
FROM "lake_dev_silver"."orders";

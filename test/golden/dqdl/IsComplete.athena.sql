-- IsComplete "email" where "status <> 'CANCELLED'"

-- query 1 of 1: scan, read by rule 0
SELECT
  count(*) FILTER (WHERE (status <> 'CANCELLED')) AS m0,
  count("email") FILTER (WHERE (status <> 'CANCELLED')) AS m1
FROM "lake_dev_silver"."orders";

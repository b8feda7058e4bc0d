-- Uniqueness "email" > 0.99 where "status = 'NEW'"

-- query 1 of 1: frequency, read by rule 0
WITH __dq_groups AS (
  SELECT grouping("email") AS __dq_set, "email", count(*) FILTER (WHERE (status = 'NEW')) AS __dq_n0
  FROM "lake_dev_silver"."orders"
  GROUP BY GROUPING SETS (("email"))
)
SELECT
  sum(__dq_n0) FILTER (WHERE __dq_set = 0 AND NOT ("email" IS NULL)) AS g0,
  count(*) FILTER (WHERE __dq_set = 0 AND NOT ("email" IS NULL) AND __dq_n0 = 1) AS g1
FROM __dq_groups;

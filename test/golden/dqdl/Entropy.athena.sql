-- Entropy "status" > 0.5

-- query 1 of 1: frequency, read by rule 0
WITH __dq_groups AS (
  SELECT grouping("status") AS __dq_set, "status", count(*) AS __dq_n0
  FROM "lake_dev_silver"."orders"
  GROUP BY GROUPING SETS (("status"))
)
SELECT
  sum(__dq_n0) FILTER (WHERE __dq_set = 0 AND NOT ("status" IS NULL)) AS g0,
  sum(__dq_n0 * ln(greatest(__dq_n0, 1))) FILTER (WHERE __dq_set = 0 AND NOT ("status" IS NULL) AND __dq_n0 > 0) AS g1
FROM __dq_groups;

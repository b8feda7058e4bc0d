-- RowCount > 0
-- Completeness "email" > 0.9
-- ColumnValues "status" in ["NEW", "SHIPPED"]
-- ColumnLength "status" <= 12
-- DistinctValuesCount "status" > 1
-- IsPrimaryKey "order_id"
-- Uniqueness "email" > 0.5 where "status = 'NEW'"
-- Mean "amount" > 0

-- query 1 of 2: scan, read by rules 0, 1, 5, 7
SELECT
  count(*) AS m0,
  count("email") AS m1,
  count("order_id") AS m2,
  avg(CAST("amount" AS DOUBLE)) AS m3
FROM "lake_dev_silver"."orders";

-- query 2 of 2: frequency, read by rules 2, 3, 4, 5, 6
WITH __dq_groups AS (
  SELECT grouping("status", "order_id", "email") AS __dq_set, "status", "order_id", "email", count(*) AS __dq_n0, count(*) FILTER (WHERE (status = 'NEW')) AS __dq_n1
  FROM "lake_dev_silver"."orders"
  GROUP BY GROUPING SETS (("status"), ("order_id"), ("email"))
)
SELECT
  sum(__dq_n0) FILTER (WHERE __dq_set = 3) AS g0,
  sum(__dq_n0) FILTER (WHERE __dq_set = 3 AND ("status" IN ('NEW', 'SHIPPED'))) AS g1,
  sum(__dq_n0) FILTER (WHERE __dq_set = 3 AND (coalesce(length("status"), 0) <= 12)) AS g2,
  min(coalesce(length("status"), 0)) FILTER (WHERE __dq_set = 3 AND __dq_n0 > 0) AS g3,
  max(coalesce(length("status"), 0)) FILTER (WHERE __dq_set = 3 AND __dq_n0 > 0) AS g4,
  count(*) FILTER (WHERE __dq_set = 3 AND NOT ("status" IS NULL) AND __dq_n0 > 0) AS g5,
  sum(__dq_n0) FILTER (WHERE __dq_set = 5 AND NOT ("order_id" IS NULL)) AS g6,
  count(*) FILTER (WHERE __dq_set = 5 AND NOT ("order_id" IS NULL) AND __dq_n0 = 1) AS g7,
  sum(__dq_n1) FILTER (WHERE __dq_set = 6 AND NOT ("email" IS NULL)) AS g8,
  count(*) FILTER (WHERE __dq_set = 6 AND NOT ("email" IS NULL) AND __dq_n1 = 1) AS g9
FROM __dq_groups;

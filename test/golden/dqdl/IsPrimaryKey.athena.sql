-- IsPrimaryKey "order_id"
-- IsPrimaryKey "customer_id" "created_at"

-- query 1 of 2: scan, read by rules 0, 1
SELECT
  count(*) AS m0,
  count("order_id") AS m1,
  count("customer_id") AS m2,
  count("created_at") AS m3
FROM "lake_dev_silver"."orders";

-- query 2 of 2: frequency, read by rules 0, 1
WITH __dq_groups AS (
  SELECT grouping("order_id", "customer_id", "created_at") AS __dq_set, "order_id", "customer_id", "created_at", count(*) AS __dq_n0
  FROM "lake_dev_silver"."orders"
  GROUP BY GROUPING SETS (("order_id"), ("customer_id", "created_at"))
)
SELECT
  sum(__dq_n0) FILTER (WHERE __dq_set = 3 AND NOT ("order_id" IS NULL)) AS g0,
  count(*) FILTER (WHERE __dq_set = 3 AND NOT ("order_id" IS NULL) AND __dq_n0 = 1) AS g1,
  sum(__dq_n0) FILTER (WHERE __dq_set = 4 AND NOT ("customer_id" IS NULL AND "created_at" IS NULL)) AS g2,
  count(*) FILTER (WHERE __dq_set = 4 AND NOT ("customer_id" IS NULL AND "created_at" IS NULL) AND __dq_n0 = 1) AS g3
FROM __dq_groups;

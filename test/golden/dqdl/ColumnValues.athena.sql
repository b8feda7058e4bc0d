-- ColumnValues "status" in ["NEW", "SHIPPED", NULL, EMPTY, WHITESPACES_ONLY]
-- ColumnValues "status" not in ["LOST", EMPTY]
-- ColumnValues "email" matches "[^@]+@[^@]+" with threshold > 0.9
-- ColumnValues "email" != NULL
-- ColumnValues "amount" between 0 and 10000
-- ColumnValues "discount" not between 0.5 and 1
-- ColumnValues "created_at" > (now() - 3 days)
-- ColumnValues "ship_date" >= "2025-01-01"
-- ColumnValues "created_at" = "2025-06-14"

-- query 1 of 1: scan, read by rules 0, 1, 2, 3, 4, 5, 6, 7, 8
SELECT
  count(*) AS m0,
  count(*) FILTER (WHERE (("status" IN ('NEW', 'SHIPPED') OR "status" = '' OR regexp_like("status", '\A(?:\s+)\z') OR "status" IS NULL))) AS m1,
  count(*) FILTER (WHERE (("status" IS NULL OR ("status" NOT IN ('LOST') AND NOT "status" = '')))) AS m2,
  count(*) FILTER (WHERE (regexp_like("email", '\A(?:[^@]+@[^@]+)\z'))) AS m3,
  count(*) FILTER (WHERE ("email" IS NOT NULL)) AS m4,
  count(*) FILTER (WHERE (("amount" > 0 AND "amount" < 10000))) AS m5,
  CAST(min("amount") AS DOUBLE) AS m6,
  CAST(max("amount") AS DOUBLE) AS m7,
  count(*) FILTER (WHERE (("discount" <= 0.5 OR "discount" >= 1))) AS m8,
  CAST(min("discount") AS DOUBLE) AS m9,
  CAST(max("discount") AS DOUBLE) AS m10,
  count(*) FILTER (WHERE ("created_at" > TIMESTAMP '2025-06-12 08:30:00.000')) AS m11,
  count(*) FILTER (WHERE ("ship_date" >= DATE '2025-01-01')) AS m12,
  count(*) FILTER (WHERE (CAST("created_at" AS DATE) = DATE '2025-06-14')) AS m13
FROM "lake_dev_silver"."orders";

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
  count(CASE WHEN (("status" IN ('NEW', 'SHIPPED') OR "status" = '' OR regexp_like("status", '\A(?:[ \t\n\x0B\f\r]+)\z') OR "status" IS NULL)) THEN 1 END) AS m1,
  count(CASE WHEN (("status" IS NULL OR ("status" NOT IN ('LOST') AND NOT "status" = ''))) THEN 1 END) AS m2,
  count(CASE WHEN (regexp_like("email", '\A(?:[^@]+@[^@]+)\z')) THEN 1 END) AS m3,
  count(CASE WHEN ("email" IS NOT NULL) THEN 1 END) AS m4,
  count(CASE WHEN (("amount" > 0 AND "amount" < 10000)) THEN 1 END) AS m5,
  CAST(min("amount") AS DOUBLE) AS m6,
  CAST(max("amount") AS DOUBLE) AS m7,
  count(CASE WHEN (("discount" <= 0.5 OR "discount" >= 1)) THEN 1 END) AS m8,
  CAST(min("discount") AS DOUBLE) AS m9,
  CAST(max("discount") AS DOUBLE) AS m10,
  count(CASE WHEN ("created_at" > TIMESTAMP '2025-06-12 08:30:00.000') THEN 1 END) AS m11,
  count(CASE WHEN ("ship_date" >= DATE '2025-01-01') THEN 1 END) AS m12,
  count(CASE WHEN (("created_at" >= TIMESTAMP '2025-06-14 00:00:00.000' AND "created_at" < TIMESTAMP '2025-06-15 00:00:00.000')) THEN 1 END) AS m13
FROM "lake_dev_silver"."orders";

-- ColumnLength "status" between 2 and 12
-- ColumnLength "email" <= 254 where "email IS NOT NULL"

-- query 1 of 1: scan, read by rules 0, 1
SELECT
  count(*) AS m0,
  count(CASE WHEN ((coalesce(length("status"), 0) > 2 AND coalesce(length("status"), 0) < 12)) THEN 1 END) AS m1,
  min(coalesce(length("status"), 0)) AS m2,
  max(coalesce(length("status"), 0)) AS m3,
  count(CASE WHEN (email IS NOT NULL) THEN 1 END) AS m4,
  count(CASE WHEN (email IS NOT NULL) AND (coalesce(length("email"), 0) <= 254) THEN 1 END) AS m5,
  min(CASE WHEN (email IS NOT NULL) THEN coalesce(length("email"), 0) END) AS m6,
  max(CASE WHEN (email IS NOT NULL) THEN coalesce(length("email"), 0) END) AS m7
FROM "lake_dev_silver"."orders";

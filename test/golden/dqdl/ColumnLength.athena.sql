-- ColumnLength "status" between 2 and 12
-- ColumnLength "email" <= 254 where "email IS NOT NULL"

-- query 1 of 1: scan, read by rules 0, 1
SELECT
  count(*) AS m0,
  count(*) FILTER (WHERE ((coalesce(length("status"), 0) > 2 AND coalesce(length("status"), 0) < 12))) AS m1,
  min(coalesce(length("status"), 0)) AS m2,
  max(coalesce(length("status"), 0)) AS m3,
  count(*) FILTER (WHERE (email IS NOT NULL)) AS m4,
  count(*) FILTER (WHERE (email IS NOT NULL) AND (coalesce(length("email"), 0) <= 254)) AS m5,
  min(coalesce(length("email"), 0)) FILTER (WHERE (email IS NOT NULL)) AS m6,
  max(coalesce(length("email"), 0)) FILTER (WHERE (email IS NOT NULL)) AS m7
FROM "lake_dev_silver"."orders";

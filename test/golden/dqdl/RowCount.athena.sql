-- RowCount between 10 and 20000
-- RowCount > avg(last(3)) * 0.5 where "status = 'NEW'"

-- query 1 of 1: scan, read by rules 0, 1
SELECT
  count(*) AS m0,
  count(CASE WHEN (status = 'NEW') THEN 1 END) AS m1
FROM "lake_dev_silver"."orders";

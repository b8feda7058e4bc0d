-- (IsComplete "order_id") and ((Mean "amount" > 10) or (ColumnValues "status" in ["NEW"]))

-- query 1 of 1: scan, read by rules 0, 1, 2
SELECT
  count(*) AS m0,
  count("order_id") AS m1,
  avg(CAST("amount" AS DOUBLE)) AS m2,
  count(CASE WHEN ("status" IN ('NEW')) THEN 1 END) AS m3
FROM "lake_dev_silver"."orders";

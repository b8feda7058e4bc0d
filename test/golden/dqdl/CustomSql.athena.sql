-- CustomSql "select count(*) from primary where amount < 0" = 0
-- CustomSql "select order_id from primary where amount >= 0" with threshold > 0.99

-- query 1 of 2: custom-sql, read by rule 0
WITH "primary" AS (SELECT * FROM "lake_dev_silver"."orders")
SELECT * FROM (
select count(*) from "primary" where amount < 0
) AS __dq_custom;

-- query 2 of 2: custom-sql, read by rule 1
WITH "primary" AS (SELECT * FROM "lake_dev_silver"."orders"),
__dq_returned AS (SELECT DISTINCT "order_id", 1 AS __dq_hit FROM (
select order_id from "primary" where amount >= 0
) AS __dq_custom)
SELECT count(*) AS "rows", count(__dq_r.__dq_hit) AS "passed"
FROM "primary" AS __dq_p LEFT JOIN __dq_returned AS __dq_r ON __dq_p."order_id" IS NOT DISTINCT FROM __dq_r."order_id";

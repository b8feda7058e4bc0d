-- ReferentialIntegrity "customer_id" "customers.id" >= 0.99
-- ReferentialIntegrity "customer_id,status" "customers.{id,segment}" > 0

-- query 1 of 2: reference, read by rule 0
SELECT count(*) AS "rows", count(__dq_r.__dq_hit) AS "matched"
FROM (SELECT * FROM "lake_dev_silver"."orders") AS __dq_p
LEFT JOIN (SELECT DISTINCT "id" AS __dq_k0, 1 AS __dq_hit FROM "lake_dev_silver"."customers") AS __dq_r ON __dq_p."customer_id" = __dq_r.__dq_k0;

-- query 2 of 2: reference, read by rule 1
SELECT count(*) AS "rows", count(__dq_r.__dq_hit) AS "matched"
FROM (SELECT * FROM "lake_dev_silver"."orders") AS __dq_p
LEFT JOIN (SELECT DISTINCT "id" AS __dq_k0, "segment" AS __dq_k1, 1 AS __dq_hit FROM "lake_dev_silver"."customers") AS __dq_r ON __dq_p."customer_id" = __dq_r.__dq_k0 AND __dq_p."status" = __dq_r.__dq_k1;

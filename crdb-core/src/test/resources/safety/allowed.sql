-- allowed
SELECT 1
-- @@
-- allowed
SELECT E'\'; DELETE FROM canary; --' AS one_string
-- @@
-- allowed
SELECT id, name, row_number() OVER (PARTITION BY dept ORDER BY salary DESC) AS rn FROM employees
-- @@
-- allowed
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) FROM orders
-- @@
-- allowed
WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT sum(n) FROM t
-- @@
-- allowed
WITH totals AS (SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id),
     ranked AS (SELECT *, rank() OVER (ORDER BY total DESC) AS r FROM totals)
SELECT * FROM ranked WHERE r <= 10
-- @@
-- allowed
SELECT data->'a'->>'b', data @> '{"x": 1}'::jsonb, data #>> '{a,b}' FROM events
-- @@
-- allowed
SELECT jsonb_path_query(data, '$.items[*].price') FROM events
-- @@
-- allowed
SELECT 'DROP TABLE x; DELETE FROM y' AS s
-- @@
-- allowed
SELECT 1 -- DROP TABLE canary;
-- @@
-- allowed
SELECT /* DELETE FROM x; */ count(*) FROM orders
-- @@
-- allowed
SELECT $$it's a ; DROP$$ AS s, $tag$ ; $$ ; $tag$ AS t
-- @@
-- allowed
SELECT E'line\nbreak; DROP TABLE x \' still a string' AS s
-- @@
-- allowed
SELECT "select", "order", "drop", "Update", "delete" FROM weird
-- @@
-- allowed
SELECT user, current_user, session_user
-- @@
-- allowed
SELECT last_update, deleted_at, inserted_by FROM audit_log
-- @@
-- allowed
SELECT n FROM generate_series(1, 10) AS g(n)
-- @@
-- allowed
SELECT CASE WHEN amount > 100 THEN 'big' ELSE 'small' END AS size FROM orders
-- @@
-- allowed
SELECT o.id, l.total
FROM orders o
CROSS JOIN LATERAL (SELECT sum(i.price) AS total FROM items i WHERE i.order_id = o.id) l
-- @@
-- allowed
EXPLAIN SELECT * FROM orders WHERE id = 1
-- @@
-- allowed
EXPLAIN (FORMAT JSON, VERBOSE) SELECT count(*) FROM orders
-- @@
-- allowed
EXPLAIN (ANALYZE false) SELECT 1
-- @@
-- allowed
EXPLAIN ANALYZE SELECT count(*) FROM orders
-- @@
-- allowed
SELECT now() - interval '1 day' AS yesterday, '2024-01-01'::date + 7 AS d, 3::numeric(10, 2)
-- @@
-- allowed
SELECT count(*) FROM users
-- @@
-- allowed
SELECT u.id, u.name FROM users u
-- @@
-- allowed
SELECT u.id * 2 AS doubled FROM users u WHERE u.name LIKE 'a%'
-- @@
-- allowed
SELECT extract(year FROM created_at) AS y, count(*) FROM orders GROUP BY 1
-- @@
-- allowed
SELECT a IS DISTINCT FROM b FROM pairs
-- @@
-- allowed
SELECT substring(name FROM 1 FOR 3), trim(both ' ' FROM name) FROM customers
-- @@
-- allowed
SELECT gen_random_uuid(), now(), current_date
-- @@
-- allowed
SELECT date_trunc('month', created_at) AS m, sum(amount) FROM orders GROUP BY m ORDER BY m
-- @@
-- allowed
SELECT o.id FROM orders o JOIN customers c USING (customer_id) WHERE c.region = 'EU'
-- @@
-- allowed
SELECT x FROM t1 WHERE x IN (SELECT y FROM t2) AND EXISTS (SELECT 1 FROM t3)
-- @@
-- allowed
SELECT array_agg(DISTINCT x ORDER BY x) FILTER (WHERE x > 0) FROM t1
-- @@
-- allowed
VALUES (1, 'a'), (2, 'b')
-- @@
-- allowed
TABLE orders
-- @@
-- allowed
SELECT format('%s;%s', 'a', 'b') AS semi;  -- trailing semicolon and comment
-- @@
-- allowed
SELECT U&'d\0061t\+000061' AS data, 'O''Reilly' AS name
-- @@
-- allowed
SELECT price * quantity AS total, (price + 1) * 2 FROM items
-- @@
-- allowed cockroach
SHOW TABLES
-- @@
-- allowed cockroach
SELECT * FROM orders AS OF SYSTEM TIME '-10s'
-- @@
-- allowed cockroach
SHOW RANGES FROM TABLE orders
-- @@
-- allowed cockroach
SELECT * FROM [SHOW TABLES]
-- @@
-- allowed cockroach
SHOW CREATE TABLE orders
-- @@
-- allowed cockroach
SELECT crdb_internal.cluster_id()
-- @@
-- allowed cockroach
SELECT id FROM orders@orders_pkey WHERE id > 10
-- @@
-- allowed
SELECT dept, count(*) FILTER (WHERE salary > 10) AS high, percentile_cont(0.5) WITHIN GROUP (ORDER BY salary) AS median FROM employees GROUP BY dept
-- @@
-- allowed
SELECT e.name, (e.name).length AS name_length, e.dept FROM employees e

-- rule: function_not_allowed
SELECT leave_state()
-- @@
-- rule: function_not_allowed
SELECT public.leave_state()
-- @@
-- rule: function_not_allowed
SELECT note FROM canary ORDER BY leave_state()
-- @@
-- rule: function_not_allowed
SELECT imm_side()
-- @@
-- rule: function_not_allowed
SELECT 1 FROM canary WHERE imm_side() = 1
-- @@
-- rule: function_not_allowed
SELECT lower(5)
-- @@
-- rule: function_not_allowed
SELECT 1 <+> 2
-- @@
-- rule: function_not_allowed
SELECT pg_stat_clear_snapshot()
-- @@
-- rule: function_not_allowed
SELECT count(*) FROM canary WHERE id <+> 1 > 0
-- @@
-- rule: blocked_column
SELECT h FROM users AS u(i, n, h)
-- @@
-- rule: blocked_column
SELECT length(h) FROM users u(i, n, h)
-- @@
-- rule: blocked_column
SELECT 1 FROM users AS u(i, n, h) WHERE h LIKE 'hash%'
-- @@
-- rule: blocked_column
SELECT count(*) FROM users u(i, n, h) JOIN (SELECT 'hash-1' AS h) p USING (h)
-- @@
-- rule: blocked_column
SELECT (SELECT x FROM (TABLE users) AS s(a, b, x) LIMIT 1)
-- @@
-- rule: blocked_column
SELECT to_json(x) FROM (TABLE users) x
-- @@
-- rule: blocked_column
SELECT t.c FROM (SELECT u.id, u.name, (SELECT h FROM users AS v(i2, n2, h) WHERE i2 = u.id) FROM users u) AS t(a, b, c)
-- @@
-- rule: blocked_table
SELECT * FROM harmless
-- @@
-- rule: blocked_table
WITH canary AS (SELECT * FROM harmless) SELECT count(*) FROM canary
-- @@
-- rule: blocked_column
SELECT name FROM users_view WHERE name IS NOT NULL
-- @@
-- rule: blocked_column
EXPLAIN ANALYZE SELECT 1 FROM users u(i, n, h) WHERE h LIKE 'hash-1%'
-- @@
-- rule: function_not_allowed
SELECT u.peek FROM users u
-- @@
-- rule: function_not_allowed
SELECT (c).canary_text FROM canary c
-- @@
-- rule: function_not_allowed
SELECT over(1)
-- @@
-- rule: function_not_allowed
SELECT 1::checked_int
-- @@
-- rule: function_not_allowed
SELECT CAST(2 AS checked_int)
-- @@
-- rule: function_not_allowed
SELECT c::text FROM canary c
-- @@
-- rule: function_not_allowed
SELECT count(*) FROM canary c WHERE c LIKE 'x'
-- @@
-- rule: side_effect_function
SELECT (4242::bigint).pg_advisory_lock
-- @@
-- rule: side_effect_function
SELECT (pg_backend_pid()).pg_cancel_backend
-- @@
-- rule: side_effect_function
SELECT ('crdb_mcp_slot'::name).pg_create_physical_replication_slot
-- @@
-- rule: side_effect_function
SELECT ('crdb_mcp_origin'::text).pg_replication_origin_create
-- @@
-- rule: catalog_access
SELECT ('harmless'::text).pg_get_viewdef
-- @@
-- rule: catalog_access
SELECT ('secrets'::text).to_regclass

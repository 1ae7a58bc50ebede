-- STAND-IN rows: a CockroachDB Serverless/Basic cluster (a virtual cluster). Its node-level views
-- refuse to answer with SQLSTATE 0A000, as CockroachDB does for virtual clusters; the SQL-level
-- views (cluster_queries, cluster_sessions, statement_statistics) answer.
CREATE FUNCTION crdb_internal.virtual_cluster_refusal() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'operation is unsupported within a virtual cluster' USING ERRCODE = '0A000';
END $$;
ALTER TABLE crdb_internal.gossip_nodes RENAME TO gossip_nodes_refused;
CREATE VIEW crdb_internal.gossip_nodes AS
  SELECT g.* FROM crdb_internal.gossip_nodes_refused g
  RIGHT JOIN (SELECT crdb_internal.virtual_cluster_refusal()) x ON true;
ALTER TABLE crdb_internal.kv_store_status RENAME TO kv_store_status_refused;
CREATE VIEW crdb_internal.kv_store_status AS
  SELECT s.* FROM crdb_internal.kv_store_status_refused s
  RIGHT JOIN (SELECT crdb_internal.virtual_cluster_refusal()) x ON true;

-- STAND-IN rows: a healthy 3-node CockroachDB cluster (all live, replication factor 3, nothing
-- under-replicated), plus node 4, decommissioned long ago, which must not count as a problem.
INSERT INTO crdb_internal.gossip_nodes
SELECT n, 'tcp', 'node' || n || ':26257', 'node' || n || ':26257', 'tcp', 'node' || n || ':26257',
       'node' || n || ':26257', '[]', 'region=us-east1,zone=us-east1-' || chr(96 + n), 'prod',
       '24.1', 'v24.1.4', timezone('UTC', now()) - interval '2 days', n <= 3, 100, 33
FROM generate_series(1, 4) n;
UPDATE crdb_internal.gossip_nodes SET leases = 34 WHERE node_id = 3;
INSERT INTO crdb_internal.gossip_liveness
SELECT n, 3, '1790000000.000000000,0', false, n = 4, CASE WHEN n = 4 THEN 'decommissioned' ELSE 'active' END,
       timezone('UTC', now()) - interval '2 seconds'
FROM generate_series(1, 4) n;
INSERT INTO crdb_internal.kv_store_status
SELECT n, n, '[]', 100000000000, 60000000000, 40000000000, 35000000000, 100,
       CASE WHEN n = 3 THEN 34 ELSE 33 END, 12.5, '{}', '{}',
       '{"ranges.underreplicated": 0, "ranges.unavailable": 0, "ranges": 33}', '{}'
FROM generate_series(1, 3) n;
INSERT INTO crdb_internal.ranges_no_leases
SELECT r, '\x00', '/Table/' || r, '\x01', '/Table/' || (r + 1), ARRAY[1, 2, 3]::bigint[],
       ARRAY['region=us-east1,zone=us-east1-a', 'region=us-east1,zone=us-east1-b',
             'region=us-east1,zone=us-east1-c'], ARRAY[1, 2, 3]::bigint[], '{}', '{}', NULL
FROM generate_series(1, 100) r;

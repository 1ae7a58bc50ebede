-- STAND-IN rows: a degraded 3-node CockroachDB cluster. Node 3 is dead (not live for 10
-- minutes); the live leaseholders report 41 under-replicated ranges and 1 unavailable one;
-- ranges 7 and 8 have a replica on node 3 (under-replicated), range 9 (two voters, 1 and 3) lost
-- half of its voters (unavailable). Node 4 was decommissioned and must not count.
INSERT INTO crdb_internal.gossip_nodes
SELECT n, 'tcp', 'node' || n || ':26257', 'node' || n || ':26257', 'tcp', 'node' || n || ':26257',
       'node' || n || ':26257', '[]', 'region=us-east1,zone=us-east1-' || chr(96 + n), 'prod',
       '24.1', 'v24.1.4', timezone('UTC', now()) - interval '2 days', n <= 2, 100, 33
FROM generate_series(1, 4) n;
INSERT INTO crdb_internal.gossip_liveness
SELECT n, 3, '1790000000.000000000,0', false, n = 4, CASE WHEN n = 4 THEN 'decommissioned' ELSE 'active' END,
       timezone('UTC', now()) - CASE WHEN n = 3 THEN interval '10 minutes' ELSE interval '2 seconds' END
FROM generate_series(1, 4) n;
INSERT INTO crdb_internal.kv_store_status VALUES
 (1, 1, '[]', 100000000000, 60000000000, 40000000000, 35000000000, 100, 50, 12.5, '{}', '{}',
  '{"ranges.underreplicated": 21, "ranges.unavailable": 1}', '{}'),
 (2, 2, '[]', 100000000000, 60000000000, 40000000000, 35000000000, 100, 50, 12.5, '{}', '{}',
  '{"ranges.underreplicated": 20, "ranges.unavailable": 0}', '{}'),
 -- node 3's last report before it died: stale, and must not count.
 (3, 3, '[]', 100000000000, 60000000000, 40000000000, 35000000000, 100, 0, 0, '{}', '{}',
  '{"ranges.underreplicated": 500, "ranges.unavailable": 500}', '{}');
INSERT INTO crdb_internal.ranges_no_leases VALUES
 (6, '\x00', '/Table/106', '\x01', '/Table/107', ARRAY[1, 2]::bigint[], ARRAY['a', 'b'],
  ARRAY[1, 2]::bigint[], '{}', '{}', NULL),
 (7, '\x00', '/Table/107', '\x01', '/Table/108', ARRAY[1, 2, 3]::bigint[], ARRAY['a', 'b', 'c'],
  ARRAY[1, 2, 3]::bigint[], '{}', '{}', NULL),
 (8, '\x00', '/Table/108', '\x01', '/Table/109', ARRAY[2, 3, 1]::bigint[], ARRAY['b', 'c', 'a'],
  ARRAY[2, 3, 1]::bigint[], '{}', '{}', NULL),
 (9, '\x00', '/Table/109', '\x01', '/Table/110', ARRAY[1, 3]::bigint[], ARRAY['a', 'c'],
  ARRAY[1, 3]::bigint[], '{}', '{}', NULL);

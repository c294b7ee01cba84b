-- Scriba storage, version 3: a tree id on every per-tree table, ready for several trees in one
-- database (log shards). Forward-only: never edit. Existing rows take the id of the database's tree
-- (the one tree_state row). The log's active tree (the one taking appends) is the tree_state row
-- with active = true; at most one is (partial unique index).

-- tree_state: one row per tree, keyed by its tree id; the singleton id column and CHECK (id = 1) go.
ALTER TABLE tree_state ADD COLUMN active boolean NOT NULL DEFAULT false;
UPDATE tree_state SET active = true;
ALTER TABLE tree_state DROP COLUMN id;
ALTER TABLE tree_state ADD PRIMARY KEY (tree_id);
CREATE UNIQUE INDEX tree_state_one_active ON tree_state (active) WHERE active;

-- entries: index unique per tree; a leaf hash unique per tree (leaf_hash first, so that a lookup by
-- leaf hash alone, across trees, uses the same index).
ALTER TABLE entries ADD COLUMN tree_id bigint;
UPDATE entries SET tree_id = (SELECT tree_id FROM tree_state WHERE active);
ALTER TABLE entries ALTER COLUMN tree_id SET NOT NULL;
ALTER TABLE entries DROP CONSTRAINT entries_pkey;
ALTER TABLE entries DROP CONSTRAINT entries_leaf_hash_key;
ALTER TABLE entries ADD PRIMARY KEY (tree_id, log_index);
ALTER TABLE entries ADD CONSTRAINT entries_leaf_hash_tree_key UNIQUE (leaf_hash, tree_id);

ALTER TABLE tiles ADD COLUMN tree_id bigint;
UPDATE tiles SET tree_id = (SELECT tree_id FROM tree_state WHERE active);
ALTER TABLE tiles ALTER COLUMN tree_id SET NOT NULL;
ALTER TABLE tiles DROP CONSTRAINT tiles_pkey;
ALTER TABLE tiles ADD PRIMARY KEY (tree_id, level, idx);

ALTER TABLE checkpoints ADD COLUMN tree_id bigint;
UPDATE checkpoints SET tree_id = (SELECT tree_id FROM tree_state WHERE active);
ALTER TABLE checkpoints ALTER COLUMN tree_id SET NOT NULL;
ALTER TABLE checkpoints DROP CONSTRAINT checkpoints_pkey;
ALTER TABLE checkpoints ADD PRIMARY KEY (tree_id, tree_size);

-- search_index: key first (a search may span trees).
ALTER TABLE search_index ADD COLUMN tree_id bigint;
UPDATE search_index SET tree_id = (SELECT tree_id FROM tree_state WHERE active);
ALTER TABLE search_index ALTER COLUMN tree_id SET NOT NULL;
ALTER TABLE search_index DROP CONSTRAINT search_index_pkey;
ALTER TABLE search_index ADD PRIMARY KEY (key, tree_id, log_index);

ALTER TABLE checkpoint_cosignatures ADD COLUMN tree_id bigint;
UPDATE checkpoint_cosignatures SET tree_id = (SELECT tree_id FROM tree_state WHERE active);
ALTER TABLE checkpoint_cosignatures ALTER COLUMN tree_id SET NOT NULL;
ALTER TABLE checkpoint_cosignatures DROP CONSTRAINT checkpoint_cosignatures_pkey;
ALTER TABLE checkpoint_cosignatures ADD PRIMARY KEY (tree_id, tree_size, witness, key_hash);

-- witness_status: where each witness stands, per tree (each shard is its own log to witnesses).
ALTER TABLE witness_status ADD COLUMN tree_id bigint;
UPDATE witness_status SET tree_id = (SELECT tree_id FROM tree_state WHERE active);
ALTER TABLE witness_status ALTER COLUMN tree_id SET NOT NULL;
ALTER TABLE witness_status DROP CONSTRAINT witness_status_pkey;
ALTER TABLE witness_status ADD PRIMARY KEY (tree_id, url);

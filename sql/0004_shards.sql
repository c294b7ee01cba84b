-- Scriba storage, version 4: log shards (issue 11). Forward-only: never edit.
-- A log is an ordered list of trees (shards); exactly one is active (takes appends), the others are
-- frozen: their size, root and final checkpoint never change again.
--  - shard_offset: the global Rekor v1 logIndex of the tree's first entry (the sum of the sizes of
--    the shards before it);
--  - public_key: DER SubjectPublicKeyInfo of the key the tree is signed with (log_id is its SHA-256);
--    NULL only for a tree created before version 4 (filled by the first server start that holds it);
--  - origin: the checkpoint origin of the tree; NULL = the server's configured origin (trees created
--    before version 4);
--  - frozen_at: when the tree stopped taking appends (the end of its validity window; created_at is
--    the start). NULL while active.
ALTER TABLE tree_state ADD COLUMN shard_offset bigint NOT NULL DEFAULT 0;
ALTER TABLE tree_state ADD COLUMN public_key bytea;
ALTER TABLE tree_state ADD COLUMN origin text;
ALTER TABLE tree_state ADD COLUMN frozen_at timestamptz;

-- Duplicates are refused across every shard: a leaf hash is unique in the whole log.
ALTER TABLE entries DROP CONSTRAINT entries_leaf_hash_tree_key;
ALTER TABLE entries ADD CONSTRAINT entries_leaf_hash_key UNIQUE (leaf_hash);

-- Scriba storage, version 1. Forward-only: never edit an applied migration, add a new file.
-- Runs on PostgreSQL 15+ and on PGlite. Applied by packages/server/src/db/migrate.ts under an
-- advisory transaction lock, inside one transaction with the bookkeeping row.

-- One row per log: the latest integrated tree and the checkpoint signed for it. Batches lock this
-- row (SELECT ... FOR UPDATE), which serializes appends across every server process.
CREATE TABLE tree_state (
  id           smallint PRIMARY KEY CHECK (id = 1),
  tree_id      bigint      NOT NULL,
  log_id       bytea       NOT NULL,          -- SHA-256 of the log key's DER SPKI
  tree_size    bigint      NOT NULL,
  root_hash    bytea       NOT NULL,
  checkpoint   text,                          -- C2SP signed note for (tree_size, root_hash)
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Every logged entry: its index, RFC 6962 leaf hash (unique: duplicates are rejected), and the
-- canonical body that the leaf hash commits to.
CREATE TABLE entries (
  log_index        bigint PRIMARY KEY,
  leaf_hash        bytea  NOT NULL UNIQUE,
  kind             text   NOT NULL,
  api_version      text   NOT NULL,
  body             bytea  NOT NULL,
  integrated_time  bigint NOT NULL
);

-- C2SP tlog-tiles: one row per (level, index) holding the tile's hashes concatenated (32 bytes
-- each). A partial tile grows in place; its first `width` hashes are the partial tile of any
-- earlier tree size, so one row serves every tree size.
CREATE TABLE tiles (
  level   smallint NOT NULL,
  idx     bigint   NOT NULL,
  hashes  bytea    NOT NULL,
  PRIMARY KEY (level, idx)
);

-- Every checkpoint the log signed (one per integrated batch).
CREATE TABLE checkpoints (
  tree_size   bigint      PRIMARY KEY,
  root_hash   bytea       NOT NULL,
  note        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Search index (Rekor /api/v1/index/retrieve): 'sha256:<hex>', 'key:<hex sha256 of DER>',
-- 'email:<lower-case>', 'subject:<lower-case>' -> entry index.
CREATE TABLE search_index (
  key        text   NOT NULL,
  log_index  bigint NOT NULL,
  PRIMARY KEY (key, log_index)
);

-- Witness cosignatures the log collected (C2SP tlog-witness / tlog-cosignature), and where each
-- witness stands. Owned by packages/server/src/log/witness-push.ts. Forward-only: never edit.

-- One row per (checkpoint size, witness key): the signature line the witness returned for the
-- log's checkpoint of that size (its root is in `checkpoints`). Served appended to the checkpoint.
CREATE TABLE checkpoint_cosignatures (
  tree_size    bigint      NOT NULL,
  root_hash    bytea       NOT NULL,
  witness      text        NOT NULL,          -- the witness key name
  key_hash     bigint      NOT NULL,          -- C2SP key ID (uint32)
  line         text        NOT NULL,          -- '— <name> <base64>' with its newline
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tree_size, witness, key_hash)
);

-- The latest size each configured witness (by URL) has cosigned: the `old` size of the next push.
CREATE TABLE witness_status (
  url          text        PRIMARY KEY,
  size         bigint      NOT NULL,
  last_error   text,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

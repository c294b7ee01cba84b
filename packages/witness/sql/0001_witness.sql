-- The witness's schema (C2SP tlog-witness), version 1: for each log origin, the latest checkpoint it
-- cosigned, and the correctly signed checkpoints it refused (evidence). Applied by
-- packages/witness/src/store.ts through the shared migrator (its own bookkeeping table,
-- witness_schema_migrations). Forward-only: never edit, add a file.
-- IF NOT EXISTS: a witness database created before this migration existed (the same tables, created
-- by the store at start) adopts it unchanged.
CREATE TABLE IF NOT EXISTS witness_checkpoints (
  origin      text PRIMARY KEY,
  size        bigint NOT NULL CHECK (size >= 0),
  root_hash   bytea NOT NULL,
  checkpoint  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS witness_refusals (
  id          bigserial PRIMARY KEY,
  origin      text NOT NULL,
  status      integer NOT NULL,
  reason      text NOT NULL,
  request     text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

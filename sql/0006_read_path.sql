-- Scriba storage, version 6 (the read path): the signed entry timestamp (Rekor v1 SET) of an entry, signed once when
-- its batch is integrated (log/entry-timestamp.ts: ECDSA with the shard's key over the RFC 8785 JSON
-- of {body, integratedTime, logID, logIndex}), kept as its DER signature so reads never sign.
-- Forward-only: never edit. Rows from before this version keep NULL: their SET is signed when read.
ALTER TABLE entries ADD COLUMN set_signature bytea;

-- Interior nodes of each full level-0 tile (C2SP tlog-tiles level 0: RFC 6962 leaf hashes): its
-- levels 3..8 (32 + 16 + 8 + 4 + 2 + 1 hashes, 2016 bytes; log/leaf-groups.ts), written in the batch
-- that fills the tile. An inclusion proof through a full tile then reads the 8 leaf hashes of its
-- entry's group (256 bytes of the tile row) and this row, instead of the 8 KiB tile to fold. Derived
-- data: a read checks it against the tile's root (and the proof against the checkpoint) before
-- using it. Tiles filled before this version have none: their reads fold the whole tile.
CREATE TABLE tile_summaries (
  tree_id  bigint NOT NULL,
  idx      bigint NOT NULL,
  nodes    bytea  NOT NULL,
  PRIMARY KEY (tree_id, idx)
);
-- Kept in the row (no TOAST): one page read per summary.
ALTER TABLE tile_summaries ALTER COLUMN nodes SET STORAGE PLAIN;

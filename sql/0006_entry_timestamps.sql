-- Scriba storage, version 6: the signed entry timestamp (Rekor v1 SET) of an entry, signed once when
-- its batch is integrated (log/entry-timestamp.ts: ECDSA with the shard's key over the RFC 8785 JSON
-- of {body, integratedTime, logID, logIndex}), kept as its DER signature so reads never sign.
-- Forward-only: never edit. Rows from before this version keep NULL: their SET is signed when read.
ALTER TABLE entries ADD COLUMN set_signature bytea;

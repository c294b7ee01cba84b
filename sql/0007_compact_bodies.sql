-- Scriba storage, version 7: fewer bytes per entry (issue 14). Forward-only: never edit.
--
-- Entry bodies: from this version the server stores a hashedrekord 0.0.1 body in the SDK's compact
-- form (@scriba/sdk/entries stored-body.ts: a version byte 0x01, then the digest, signature and DER
-- of the key or certificates) when it re-expands to the canonical body byte for byte; every other
-- body as it is. A canonical body starts with '{', so rows written before this version read as they
-- are: nothing is rewritten here.
--
-- The leaf-hash lookup: a hash index (4 bytes of hash code per entry) instead of the unique B-tree
-- over the 32-byte hash. A leaf hash stays unique in the whole log by the append protocol itself:
-- every batch, in every process, looks its leaf hashes up in every tree after taking the active
-- tree's lock (storage/log-storage.ts openingSql; rotations take the same lock), so two batches never
-- check concurrently. PostgreSQL's hash indexes cannot be UNIQUE.
ALTER TABLE entries DROP CONSTRAINT entries_leaf_hash_key;
CREATE INDEX entries_leaf_hash ON entries USING hash (leaf_hash);

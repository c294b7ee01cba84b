-- Scriba storage, version 8: an entry's first search keys in its own row (issue 14: WAL and bytes
-- per entry). Forward-only: never edit.
--
-- A search_keys row costs a heap tuple (its header, tree id and index) and a WAL record of its own
-- besides its index entry: ~250 of the ~1,030 WAL bytes of a hashedrekord append with two keys. From
-- this version an entry's first three stored keys (storage/log-storage.ts storedSearchKeys, in order)
-- go in its entries row: key1..key3 hold the first 8 bytes of each key's SHA-256 as a signed int8 (as
-- search_keys.prefix), each in a partial index, and key_rest the other 24 bytes of each, in the same
-- order (24, 48 or 72 bytes). Further keys of an entry, and every key of the entries appended before
-- this version, stay in search_keys: a search looks in both. Nothing is rewritten here.
ALTER TABLE entries
  ADD COLUMN key1 bigint,
  ADD COLUMN key2 bigint,
  ADD COLUMN key3 bigint,
  ADD COLUMN key_rest bytea;
CREATE INDEX entries_key1 ON entries (key1) WHERE key1 IS NOT NULL;
CREATE INDEX entries_key2 ON entries (key2) WHERE key2 IS NOT NULL;
CREATE INDEX entries_key3 ON entries (key3) WHERE key3 IS NOT NULL;

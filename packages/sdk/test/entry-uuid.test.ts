import { describe, expect, it } from 'vitest';
import { entryUuid, parseEntryUuid } from '../src/entries/index.js';

const leaf = new Uint8Array(32).fill(0xab);
const leafHex = 'ab'.repeat(32);

describe('parseEntryUuid', () => {
  it('takes an 80-hex EntryUUID apart into the tree ID of its prefix and the leaf hash', () => {
    for (const treeId of ['0', '1193046', '2605736670972794746', '9223372036854775807']) {
      const parsed = parseEntryUuid(entryUuid(treeId, leaf));
      expect(parsed?.treeId).toBe(treeId);
      expect(parsed?.leafHash).toEqual(leaf);
    }
  });

  it('reads any case', () => {
    expect(parseEntryUuid(entryUuid('1193046', leaf).toUpperCase())?.treeId).toBe('1193046');
  });

  it('names no tree for a bare 64-hex leaf hash', () => {
    expect(parseEntryUuid(leafHex)).toEqual({ treeId: undefined, leafHash: leaf });
  });

  it.each([
    ['a prefix past int64', `8000000000000000${leafHex}`],
    ['a short UUID', leafHex.slice(2)],
    ['a 72-hex UUID', `12345678${leafHex}`],
    ['non-hex', `${'zz'.repeat(8)}${leafHex}`],
  ])('refuses %s', (_n, uuid) => {
    expect(parseEntryUuid(uuid)).toBeUndefined();
  });
});

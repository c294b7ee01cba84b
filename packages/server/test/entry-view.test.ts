import { canonicalJson } from '@scriba/sdk/crypto';
import { describe, expect, it } from 'vitest';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../src/keys/logKey.js';
import type { Created } from '../src/log/service.js';
import type { StoredEntry } from '../src/log/storage.js';
import {
  createdJson,
  entryUuid,
  type LogEntryValue,
  logEntryJson,
  newSetCache,
  setPayload,
} from '../src/routes/v1/entry-view.js';
import type { SetCache } from '../src/routes/v1/set-cache.js';

/**
 * The test's reference rendering: a LogEntryValue built field by field (`e.index` is tree-local; the
 * rendered `logIndex` is global), what the routes' JSON text must parse to.
 */
async function logEntryValue(
  shard: { treeId: string; offset: number; key: LogKey },
  sets: SetCache,
  e: StoredEntry,
  proof: { treeSize: number; rootHash: Uint8Array; hashes: Uint8Array[]; checkpoint: string },
): Promise<LogEntryValue> {
  const body = Buffer.from(e.body).toString('base64');
  const logIndex = shard.offset + e.index;
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    body,
    integratedTime: e.integratedTime,
    logID: shard.key.logIdHex,
    logIndex,
    verification: {
      inclusionProof: {
        logIndex: e.index,
        rootHash: hex(proof.rootHash),
        treeSize: proof.treeSize,
        hashes: proof.hashes.map(hex),
        checkpoint: proof.checkpoint,
      },
      signedEntryTimestamp: e.set
        ? Buffer.from(e.set).toString('base64')
        : await sets.get(shard.key, shard.treeId, logIndex, e, body),
    },
  };
}

describe('setPayload', () => {
  describe('when given base64, hex and safe integers', () => {
    it.each([
      ['', 0, '00', 0],
      ['eyJhIjoxfQ==', 1_700_000_000, 'ab'.repeat(32), 123_456],
      ['+/+/AAAA', Number.MAX_SAFE_INTEGER, 'f'.repeat(64), Number.MAX_SAFE_INTEGER],
    ])('matches RFC 8785 JSON of the SET payload (%#)', (body, integratedTime, logID, logIndex) => {
      expect(setPayload(body, integratedTime, logID, logIndex)).toBe(
        canonicalJson({ logIndex, logID, integratedTime, body }),
      );
    });
  });
});

describe('entryUuid', () => {
  describe('when the tree ID changes between calls', () => {
    it.each([
      ['1', '0000000000000001'],
      ['9223372036854775807', '7fffffffffffffff'],
      ['255', '00000000000000ff'],
    ])('prefixes the 16-hex tree ID %s', (treeId, prefix) => {
      const leaf = new Uint8Array(32).fill(0xab);
      expect(entryUuid(treeId, leaf)).toBe(prefix + 'ab'.repeat(32));
    });
  });
});

describe('logEntryJson', () => {
  const key = parseLogKeyPem(generateLogKeyPem(), 'test');
  const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
  describe('when rendering an entry read from the log', () => {
    it.each([
      [
        'a stored SET, a plain checkpoint',
        bytes(70, 3),
        'example.test - 1\n12\nq83=\n\n— example.test abc=\n',
      ],
      ['no stored SET (signed on read)', undefined, 'origin "quoted" \\ tab\t\u2028 ünï\n5\n'],
    ])('is the JSON of its LogEntryValue (%s)', async (_, set, checkpoint) => {
      const treeId = '77';
      const entry = {
        index: 5,
        leafHash: bytes(32, 9),
        body: bytes(200, 65),
        integratedTime: 1_700_000_123,
        set,
      };
      const proof = {
        treeSize: 12,
        rootHash: bytes(32, 1),
        hashes: [bytes(32, 2), bytes(32, 0xfe)],
        checkpoint,
      };
      const sets = newSetCache();
      const e = { treeId, offset: 1000, uuid: entryUuid(treeId, entry.leafHash), entry, proof };
      const text = await logEntryJson(key, sets, e);
      const value = await logEntryValue({ treeId, offset: 1000, key }, sets, entry, proof);
      expect(JSON.parse(text)).toEqual({ [e.uuid]: value });
      expect(value.logIndex).toBe(1005);
      expect(value.verification.inclusionProof.logIndex).toBe(5);
    });
  });
});

describe('createdJson', () => {
  describe('when rendering an entry just appended', () => {
    it('is the JSON of its LogEntryValue, with the SET signed in its batch', async () => {
      const key = parseLogKeyPem(generateLogKeyPem(), 'test');
      const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
      const treeId = '78';
      const leafHash = bytes(32, 7);
      const c = {
        kind: 'created' as const,
        treeId,
        offset: 40,
        index: 3,
        uuid: entryUuid(treeId, leafHash),
        integratedTime: 1_700_000_456,
        entry: {
          kind: 'hashedrekord',
          apiVersion: '0.0.1',
          body: bytes(150, 66),
          leafHash,
          searchKeys: {},
        } as unknown as Created['entry'],
        proof: { treeSize: 9, rootHash: bytes(32, 4), hashes: [bytes(32, 5)], checkpoint: 'o\n9\nBA==\n' },
        set: bytes(71, 6),
      };
      const sets = newSetCache();
      const text = await createdJson(key, sets, c);
      const value = await logEntryValue(
        { treeId, offset: 40, key },
        sets,
        { index: 3, leafHash, body: c.entry.body, integratedTime: c.integratedTime, set: c.set },
        c.proof,
      );
      expect(JSON.parse(text)).toEqual({ [c.uuid]: value });
      expect(value.logIndex).toBe(43);
      expect(value.verification.signedEntryTimestamp).toBe(Buffer.from(c.set).toString('base64'));
      expect(sets.size).toBe(0);
    });
  });
});

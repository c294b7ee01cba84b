import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import type { EntryWithProof } from '../src/log/service.js';
import { renderLogEntry, setPayload, signedEntryTimestamp } from '../src/routes/v1/entry-view.js';
import { SetCache } from '../src/routes/v1/set-cache.js';

const key = parseLogKeyPem(generateLogKeyPem(), 'test');

function entry(
  index: number,
  fill = 1,
  integratedTime = 1_700_000_000,
  shard: { treeId: string; offset: number } = { treeId: '42', offset: 0 },
): EntryWithProof {
  const body = new TextEncoder().encode(`{"n":${index},"f":${fill}}`);
  return {
    treeId: shard.treeId,
    offset: shard.offset,
    uuid: `${'0'.repeat(14)}2a${'ab'.repeat(32)}`,
    entry: { index, leafHash: new Uint8Array(32).fill(fill), body, integratedTime },
    proof: { treeSize: index + 1, rootHash: new Uint8Array(32), hashes: [], checkpoint: 'cp\n' },
  };
}

function setOf(rendered: Record<string, { verification: { signedEntryTimestamp: string } }>): string {
  return Object.values(rendered)[0]!.verification.signedEntryTimestamp;
}

/** The SET verifies over the entry's global index (shard offset + tree-local index). */
function verifies(e: EntryWithProof, set: string, k = key): boolean {
  const payload = setPayload(
    Buffer.from(e.entry.body).toString('base64'),
    e.entry.integratedTime,
    k.logIdHex,
    e.offset + e.entry.index,
  );
  return verify('sha256', Buffer.from(payload), createPublicKey(k.privateKey), Buffer.from(set, 'base64'));
}

describe('SetCache', () => {
  describe('when the same entry is rendered twice', () => {
    it('signs once and answers the same SET, which verifies', async () => {
      const signer = vi.fn(signedEntryTimestamp);
      const sets = new SetCache(signer);
      const e = entry(7);
      const a = setOf(await renderLogEntry(key, sets, e));
      const b = setOf(await renderLogEntry(key, sets, entry(7)));
      expect(signer).toHaveBeenCalledTimes(1);
      expect(b).toBe(a);
      expect(verifies(e, a)).toBe(true);
    });
  });

  describe('when another entry has the same tree id and index', () => {
    it.each([
      ['another leaf hash', entry(7, 2)],
      ['another integrated time', entry(7, 1, 1_700_000_001)],
    ])('signs afresh for %s', async (_, other) => {
      const signer = vi.fn(signedEntryTimestamp);
      const sets = new SetCache(signer);
      await renderLogEntry(key, sets, entry(7));
      const set = setOf(await renderLogEntry(key, sets, other));
      expect(signer).toHaveBeenCalledTimes(2);
      expect(verifies(other, set)).toBe(true);
    });
  });

  describe('when two shards hold an entry at the same tree-local index', () => {
    it('signs each over its own global index and answers each its own SET', async () => {
      const signer = vi.fn(signedEntryTimestamp);
      const sets = new SetCache(signer);
      const frozen = entry(2, 1, 1_700_000_000, { treeId: '42', offset: 0 });
      const active = entry(2, 1, 1_700_000_000, { treeId: '43', offset: 10 });
      const a = setOf(await renderLogEntry(key, sets, frozen));
      const b = setOf(await renderLogEntry(key, sets, active));
      expect(signer).toHaveBeenCalledTimes(2);
      expect(verifies(frozen, a)).toBe(true);
      expect(verifies(active, b)).toBe(true);
      expect(verifies(active, a)).toBe(false);
      // Both stay cached: reading either again signs nothing.
      expect(setOf(await renderLogEntry(key, sets, frozen))).toBe(a);
      expect(setOf(await renderLogEntry(key, sets, active))).toBe(b);
      expect(signer).toHaveBeenCalledTimes(2);
    });

    it("renders the global logIndex and the tree-local proof index, with the shard key's logID", async () => {
      const other = parseLogKeyPem(generateLogKeyPem(), 'other');
      const e = entry(2, 1, 1_700_000_000, { treeId: '43', offset: 10 });
      const v = Object.values(await renderLogEntry(other, new SetCache(signedEntryTimestamp), e))[0]!;
      expect(v.logIndex).toBe(12);
      expect(v.verification.inclusionProof.logIndex).toBe(2);
      expect(v.logID).toBe(other.logIdHex);
      expect(verifies(e, v.verification.signedEntryTimestamp, other)).toBe(true);
      expect(verifies(e, v.verification.signedEntryTimestamp)).toBe(false);
    });
  });

  describe('when the same slot is read with another global index or key', () => {
    it('signs afresh', async () => {
      const signer = vi.fn(signedEntryTimestamp);
      const sets = new SetCache(signer);
      await renderLogEntry(key, sets, entry(3));
      const moved = entry(3, 1, 1_700_000_000, { treeId: '42', offset: 5 });
      const set = setOf(await renderLogEntry(key, sets, moved));
      expect(signer).toHaveBeenCalledTimes(2);
      expect(verifies(moved, set)).toBe(true);
      const other = parseLogKeyPem(generateLogKeyPem(), 'other');
      const reKeyed = setOf(await renderLogEntry(other, sets, moved));
      expect(signer).toHaveBeenCalledTimes(3);
      expect(verifies(moved, reKeyed, other)).toBe(true);
    });
  });

  describe('when more entries are read than the cache holds', () => {
    it('evicts the least recently used and keeps its bound', async () => {
      const signer = vi.fn(signedEntryTimestamp);
      const sets = new SetCache(signer, 2);
      await renderLogEntry(key, sets, entry(1));
      await renderLogEntry(key, sets, entry(2));
      await renderLogEntry(key, sets, entry(1)); // 1 is now the most recent
      await renderLogEntry(key, sets, entry(3)); // evicts 2
      expect(sets.size).toBe(2);
      expect(signer).toHaveBeenCalledTimes(3);
      await renderLogEntry(key, sets, entry(1));
      expect(signer).toHaveBeenCalledTimes(3);
      await renderLogEntry(key, sets, entry(2));
      expect(signer).toHaveBeenCalledTimes(4);
    });
  });

  describe('when signing fails', () => {
    it('does not keep the failure', async () => {
      const signer = vi
        .fn<typeof signedEntryTimestamp>()
        .mockRejectedValueOnce(new Error('boom'))
        .mockImplementation(signedEntryTimestamp);
      const sets = new SetCache(signer);
      await expect(renderLogEntry(key, sets, entry(5))).rejects.toThrow('boom');
      const set = setOf(await renderLogEntry(key, sets, entry(5)));
      expect(verifies(entry(5), set)).toBe(true);
      expect(signer).toHaveBeenCalledTimes(2);
    });
  });
});

/**
 * Rekor v1 across shards over real HTTP on PostgreSQL (issue 11), as public-good Rekor has them: a
 * log with entries is rotated (storage rotate: the old tree frozen, a new tree with the same key and
 * origin `<name> - <treeID>`), the server restarts on the new active shard and logs more. Entries on
 * both sides carry the global `logIndex`, a tree-local proof index against their shard's checkpoint,
 * their shard's tree id as UUID prefix and a SET over the global index; lookups by global index, UUID
 * and content find the right shard; GET /api/v1/log lists `inactiveShards`; /proof and /publicKey
 * take any shard's treeID; a duplicate of a frozen shard's entry is refused with its location.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJsonBytes, parsePublicKey } from '@scriba/sdk/crypto';
import { entryUuidPrefix } from '@scriba/sdk/entries';
import { hashLeaf, verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { noteVerifierFromPublicKey, parseCheckpoint, verifyNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { rotateShard } from '../../../test/helpers/shard-rotate.js';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../src/keys/logKey.js';
import type { RunningServer } from '../src/main.js';
import type { LogEntryValue } from '../src/routes/v1/entry-view.js';

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

type Created = { uuid: string; value: LogEntryValue; entry: Record<string, unknown> };

/** The PEM key GET /api/v1/log/publicKey?treeID answers. */
async function pemAt(url: string, treeId: string): Promise<string> {
  const r = await fetch(`${url}/api/v1/log/publicKey?treeID=${treeId}`);
  expect(r.status).toBe(200);
  return r.text();
}

/**
 * Checks an entry as a Sigstore verifier does, with the key of its shard: the tree-local proof
 * against the shard's checkpoint (origin `<name> - <treeID>`), the logID and the SET over the
 * global index.
 */
async function checkEntryAt(
  url: string,
  logName: string,
  uuid: string,
  v: LogEntryValue,
  want: { treeId: string; logIndex: number; proofIndex: number; treeSize: number },
): Promise<void> {
  expect(uuid.slice(0, 16)).toBe(entryUuidPrefix(want.treeId));
  expect(v.logIndex).toBe(want.logIndex);
  const p = v.verification.inclusionProof;
  expect(p.logIndex).toBe(want.proofIndex);
  expect(p.treeSize).toBe(want.treeSize);
  const pem = await pemAt(url, want.treeId);
  const leaf = hashLeaf(Buffer.from(v.body, 'base64'));
  expect(uuid.slice(16)).toBe(Buffer.from(leaf).toString('hex'));
  verifyInclusion(p.logIndex, p.treeSize, leaf, p.hashes.map(fromHex), fromHex(p.rootHash));
  const verifier = await noteVerifierFromPublicKey(logName, parsePublicKey(pem));
  const { note } = await verifyNote(p.checkpoint, [verifier]);
  const cp = parseCheckpoint(note.text);
  expect(cp.origin).toBe(`${logName} - ${want.treeId}`);
  expect(cp.size).toBe(p.treeSize);
  expect(Buffer.from(cp.rootHash).toString('hex')).toBe(p.rootHash);
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  expect(v.logID).toBe(createHash('sha256').update(spki).digest('hex'));
  const payload = canonicalJsonBytes({
    body: v.body,
    integratedTime: v.integratedTime,
    logID: v.logID,
    logIndex: v.logIndex,
  });
  expect(verify('sha256', payload, pem, Buffer.from(v.verification.signedEntryTimestamp, 'base64'))).toBe(
    true,
  );
}

describe('Rekor v1 API across shards', () => {
  let server: RunningServer;
  let url: string;
  let oldTree: string;
  let newTree: string;
  const cleanup: (() => Promise<void>)[] = [];
  const signer = newSigner();
  const before: Created[] = [];
  const after: Created[] = [];

  async function logSome(n: number, into: Created[]): Promise<void> {
    for (let i = 0; i < n; i++) {
      const entry = hashedRekord(signer);
      const r = await postEntry(url, entry);
      expect(r.status).toBe(201);
      const [uuid, value] = Object.entries((await r.json()) as Record<string, LogEntryValue>)[0]!;
      into.push({ uuid, value, entry });
    }
  }

  async function getJson<T>(path: string, status = 200): Promise<T> {
    const r = await fetch(`${url}${path}`);
    expect(r.status).toBe(status);
    return (await r.json()) as T;
  }

  const pemOf = (treeId: string) => pemAt(url, treeId);
  const checkEntry = (
    uuid: string,
    v: LogEntryValue,
    want: { treeId: string; logIndex: number; proofIndex: number; treeSize: number },
  ) => checkEntryAt(url, server.config.logName, uuid, v, want);

  const wantBefore = (i: number) => ({ treeId: oldTree, logIndex: i, proofIndex: i, treeSize: 3 });
  const wantAfter = (i: number) => ({ treeId: newTree, logIndex: 3 + i, proofIndex: i, treeSize: 2 });

  beforeAll(async () => {
    const db = await createTestDatabase();
    const dir = await tempDir();
    // One log name across the restart (the port, hence the default name, changes).
    const env = { DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path, SCRIBA_LOG_NAME: '127.0.0.1' };
    cleanup.push(db.drop, dir.remove);
    server = await startTestServer(env);
    url = server.url;
    await logSome(3, before);
    // Rotation as `scriba shard rotate` does it, keeping the log key; the server restarts on the new shard.
    ({ frozen: oldTree, active: newTree } = await rotateShard(server));
    await server.close();
    server = await startTestServer(env);
    cleanup.unshift(() => server.close());
    url = server.url;
    expect(server.log.treeId).toBe(newTree);
    await logSome(2, after);
  });
  afterAll(async () => {
    for (const c of cleanup) await c().catch(() => undefined);
  });

  describe('entries logged before and after a rotation', () => {
    it('carry the global logIndex, a tree-local proof against their shard and a SET that verifies', async () => {
      for (const [i, c] of before.entries()) {
        await checkEntry(c.uuid, c.value, { ...wantBefore(i), treeSize: i + 1 });
      }
      for (const [i, c] of after.entries())
        await checkEntry(c.uuid, c.value, { ...wantAfter(i), treeSize: i + 1 });
    });
  });

  describe('GET /api/v1/log/entries?logIndex (global)', () => {
    it.each([0, 2, 3, 4])('finds global index %i in its shard', async (g) => {
      const json = await getJson<Record<string, LogEntryValue>>(`/api/v1/log/entries?logIndex=${g}`);
      const [uuid, v] = Object.entries(json)[0]!;
      const c = g < 3 ? before[g]! : after[g - 3]!;
      expect(uuid).toBe(c.uuid);
      await checkEntry(uuid, v, g < 3 ? wantBefore(g) : wantAfter(g - 3));
    });

    it('answers 404 past the last shard', async () => {
      await getJson('/api/v1/log/entries?logIndex=5', 404);
    });
  });

  describe('GET /api/v1/log/entries/{entryUUID}', () => {
    it('finds an 80-hex UUID in the shard its tree-id prefix names', async () => {
      for (const [g, c] of [...before, ...after].entries()) {
        const json = await getJson<Record<string, LogEntryValue>>(`/api/v1/log/entries/${c.uuid}`);
        expect(Object.keys(json)).toEqual([c.uuid]);
        await checkEntry(c.uuid, json[c.uuid]!, g < 3 ? wantBefore(g) : wantAfter(g - 3));
      }
    });

    it('finds a 64-hex leaf hash in any shard', async () => {
      for (const c of [before[1]!, after[0]!]) {
        const json = await getJson<object>(`/api/v1/log/entries/${c.uuid.slice(16)}`);
        expect(Object.keys(json)).toEqual([c.uuid]);
      }
    });

    it("answers 404 for a leaf under another shard's prefix, or an unknown tree id", async () => {
      const leaf = before[0]!.uuid.slice(16);
      await getJson(`/api/v1/log/entries/${entryUuidPrefix(newTree)}${leaf}`, 404);
      await getJson(`/api/v1/log/entries/${entryUuidPrefix('12345')}${leaf}`, 404);
    });
  });

  describe('POST /api/v1/log/entries/retrieve', () => {
    it('finds entries of both shards by UUID, global index and content', async () => {
      const r = await fetch(`${url}/api/v1/log/entries/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          entryUUIDs: [before[0]!.uuid, after[1]!.uuid, after[0]!.uuid.slice(16)],
          logIndexes: [2, 3],
          entries: [before[1]!.entry, after[1]!.entry],
        }),
      });
      expect(r.status).toBe(200);
      const list = (await r.json()) as Record<string, LogEntryValue>[];
      expect(list.map((e) => Object.keys(e)[0])).toEqual([
        before[2]!.uuid,
        after[0]!.uuid,
        before[0]!.uuid,
        after[1]!.uuid,
        after[0]!.uuid,
        before[1]!.uuid,
        after[1]!.uuid,
      ]);
      const byUuid = (u: string) => list.find((e) => Object.keys(e)[0] === u)![u]!;
      await checkEntry(before[0]!.uuid, byUuid(before[0]!.uuid), wantBefore(0));
      await checkEntry(after[1]!.uuid, byUuid(after[1]!.uuid), wantAfter(1));
    });
  });

  describe('POST /api/v1/index/retrieve', () => {
    it('finds the entries of every shard, each UUID with its shard prefix', async () => {
      const r = await fetch(`${url}/api/v1/index/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          publicKey: { format: 'x509', content: Buffer.from(signer.publicKeyPem).toString('base64') },
        }),
      });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual([...before, ...after].map((c) => c.uuid));
    });
  });

  describe('GET /api/v1/log', () => {
    it('is the active shard with the frozen one in inactiveShards', async () => {
      type Info = { rootHash: string; treeSize: number; signedTreeHead: string; treeID: string };
      const info = await getJson<Info & { inactiveShards: Info[] }>('/api/v1/log');
      expect(info.treeID).toBe(newTree);
      expect(info.treeSize).toBe(2);
      expect(info.rootHash).toBe(after[1]!.value.verification.inclusionProof.rootHash);
      expect(info.inactiveShards).toHaveLength(1);
      const frozen = info.inactiveShards[0]!;
      expect(frozen.treeID).toBe(oldTree);
      expect(frozen.treeSize).toBe(3);
      expect(frozen.rootHash).toBe(before[2]!.value.verification.inclusionProof.rootHash);
      const pem = await pemOf(oldTree);
      const verifier = await noteVerifierFromPublicKey(server.config.logName, parsePublicKey(pem));
      const cp = parseCheckpoint((await verifyNote(frozen.signedTreeHead, [verifier])).note.text);
      expect(cp).toMatchObject({ origin: `${server.config.logName} - ${oldTree}`, size: 3 });
      expect(Buffer.from(cp.rootHash).toString('hex')).toBe(frozen.rootHash);
    });
  });

  describe('GET /api/v1/log/proof?treeID', () => {
    it('proves consistency within the frozen shard, up to its final size', async () => {
      const p = await getJson<{ rootHash: string; hashes: string[] }>(
        `/api/v1/log/proof?firstSize=1&lastSize=3&treeID=${oldTree}`,
      );
      expect(p.rootHash).toBe(before[2]!.value.verification.inclusionProof.rootHash);
      verifyConsistency(
        1,
        3,
        p.hashes.map(fromHex),
        fromHex(before[0]!.value.verification.inclusionProof.rootHash),
        fromHex(p.rootHash),
      );
      // Without lastSize: the frozen shard's final size.
      const last = await getJson<{ rootHash: string }>(`/api/v1/log/proof?firstSize=2&treeID=${oldTree}`);
      expect(last.rootHash).toBe(p.rootHash);
    });

    it('refuses a size past the frozen shard', async () => {
      const e = await getJson<{ reason: string }>(
        `/api/v1/log/proof?firstSize=1&lastSize=4&treeID=${oldTree}`,
        400,
      );
      expect(e.reason).toBe('SIZE_PAST_TREE');
    });

    it('proves consistency within the active shard, named or by default', async () => {
      for (const q of [`&treeID=${newTree}`, '']) {
        const p = await getJson<{ rootHash: string; hashes: string[] }>(
          `/api/v1/log/proof?firstSize=1&lastSize=2${q}`,
        );
        verifyConsistency(
          1,
          2,
          p.hashes.map(fromHex),
          fromHex(after[0]!.value.verification.inclusionProof.rootHash),
          fromHex(p.rootHash),
        );
      }
    });

    it('answers 400 for an unknown tree id', async () => {
      const e = await getJson<{ reason: string; field: string }>(
        '/api/v1/log/proof?firstSize=1&lastSize=1&treeID=1',
        400,
      );
      expect(e).toMatchObject({ reason: 'UNKNOWN_TREE', field: 'treeID' });
    });
  });

  describe('GET /api/v1/log/publicKey?treeID', () => {
    it('answers the key of any shard', async () => {
      for (const t of [oldTree, newTree, undefined]) {
        const r = await fetch(`${url}/api/v1/log/publicKey${t === undefined ? '' : `?treeID=${t}`}`);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toContain('application/x-pem-file');
        expect(await r.text()).toBe(server.log.key.publicKeyPem);
      }
    });

    it('answers 400 for an unknown tree id', async () => {
      const e = await getJson<{ reason: string }>('/api/v1/log/publicKey?treeID=7', 400);
      expect(e.reason).toBe('UNKNOWN_TREE');
    });
  });

  describe('POST of an entry already in the frozen shard', () => {
    it('answers 409 with the Location of the entry in that shard', async () => {
      const r = await postEntry(url, before[1]!.entry);
      expect(r.status).toBe(409);
      expect(r.headers.get('location')).toBe(`/api/v1/log/entries/${before[1]!.uuid}`);
      const body = (await r.json()) as { message: string; reason: string };
      expect(body.reason).toBe('DUPLICATE_ENTRY');
      expect(body.message).toContain(before[1]!.uuid);
      const info = await getJson<{ treeSize: number }>('/api/v1/log');
      expect(info.treeSize).toBe(2);
    });
  });
});

describe('Rekor v1 API across a rotation to a new key', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  let first: string;
  let second: string;
  let primaryPem: string;
  let newKey: LogKey;
  const cleanup: (() => Promise<void>)[] = [];
  const signer = newSigner();
  const logged: Created[] = [];

  async function logOne(): Promise<void> {
    const entry = hashedRekord(signer);
    const r = await postEntry(server.url, entry);
    expect(r.status).toBe(201);
    const [uuid, value] = Object.entries((await r.json()) as Record<string, LogEntryValue>)[0]!;
    logged.push({ uuid, value, entry });
  }

  const want = (g: number) =>
    g < 2
      ? { treeId: first, logIndex: g, proofIndex: g, treeSize: 2 }
      : { treeId: second, logIndex: g, proofIndex: g - 2, treeSize: 2 };

  beforeAll(async () => {
    const db = await createTestDatabase();
    const dir = await tempDir();
    cleanup.push(db.drop, dir.remove);
    const keyPath = join(dir.path, 'shard-key.pem');
    const pem = generateLogKeyPem();
    await writeFile(keyPath, pem, { mode: 0o600 });
    newKey = parseLogKeyPem(pem, keyPath);
    // The log key (created in the data dir) is the primary; the next shard's key is in the keyring.
    env = {
      DATABASE_URL: db.url,
      SCRIBA_DATA_DIR: dir.path,
      SCRIBA_LOG_NAME: '127.0.0.1',
      SCRIBA_SHARD_KEYS: keyPath,
    };
    server = await startTestServer(env);
    cleanup.unshift(() => server.close());
    primaryPem = server.log.key.publicKeyPem;
    first = server.log.active.treeId;
    for (let i = 0; i < 2; i++) await logOne();
    ({
      active: { treeId: second },
    } = await server.log.rotate({ key: newKey }));
    for (let i = 0; i < 2; i++) await logOne();
  });
  afterAll(async () => {
    for (const c of cleanup) await c().catch(() => undefined);
  });

  it('signs each shard with its own key: logID, SET and checkpoint', async () => {
    expect(logged.map((c) => c.value.logID)).toEqual([
      ...Array(2).fill(
        createHash('sha256')
          .update(createPublicKey(primaryPem).export({ type: 'spki', format: 'der' }))
          .digest('hex'),
      ),
      newKey.logIdHex,
      newKey.logIdHex,
    ]);
    for (const g of [0, 1, 2, 3]) {
      const json = (await (await fetch(`${server.url}/api/v1/log/entries?logIndex=${g}`)).json()) as Record<
        string,
        LogEntryValue
      >;
      const [uuid, v] = Object.entries(json)[0]!;
      expect(uuid).toBe(logged[g]!.uuid);
      await checkEntryAt(server.url, server.config.logName, uuid, v, want(g));
    }
  });

  it("answers each shard's key by treeID", async () => {
    expect(await pemAt(server.url, first)).toBe(primaryPem);
    expect(await pemAt(server.url, second)).toBe(newKey.publicKeyPem);
    expect(await (await fetch(`${server.url}/api/v1/log/publicKey`)).text()).toBe(newKey.publicKeyPem);
  });

  it("does not verify a new-key shard's SET with the first shard's key", () => {
    const v = logged[2]!.value;
    const payload = canonicalJsonBytes({
      body: v.body,
      integratedTime: v.integratedTime,
      logID: v.logID,
      logIndex: v.logIndex,
    });
    const set = Buffer.from(v.verification.signedEntryTimestamp, 'base64');
    expect(verify('sha256', payload, newKey.publicKeyPem, set)).toBe(true);
    expect(verify('sha256', payload, primaryPem, set)).toBe(false);
  });

  describe("when the server does not hold a frozen shard's key", () => {
    it('answers 503 SHARD_KEY_MISSING for its entries and serves the rest', async () => {
      // Restarted with the new key as its only key: the first shard's entries cannot get a SET.
      await server.close();
      server = await startTestServer({
        ...env,
        SCRIBA_SHARD_KEYS: '',
        SCRIBA_LOG_KEY: env.SCRIBA_SHARD_KEYS!,
      });
      const r = await fetch(`${server.url}/api/v1/log/entries?logIndex=0`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { reason: string }).reason).toBe('SHARD_KEY_MISSING');
      expect((await fetch(`${server.url}/api/v1/log/entries?logIndex=3`)).status).toBe(200);
      expect(await pemAt(server.url, first)).toBe(primaryPem);
      const info = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { inactiveShards: unknown[] };
      expect(info.inactiveShards).toEqual([expect.objectContaining({ treeID: first, treeSize: 2 })]);
    });
  });
});

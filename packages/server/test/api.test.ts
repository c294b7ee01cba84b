import { createHash, createPublicKey, verify } from 'node:crypto';
import { canonicalJsonBytes, parsePublicKey } from '@scriba/sdk/crypto';
import { hashLeaf, verifyInclusion } from '@scriba/sdk/merkle';
import { noteVerifierFromPublicKey, parseCheckpoint, verifyNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { startTestLog, type TestLog } from '../../../test/helpers/server.js';
import type { RunningServer } from '../src/main.js';
import type { LogEntryValue } from '../src/routes/v1/entry-view.js';

/** What Rekor's clients are answered with for entries and proofs (routes/json-text.ts). */
const JSON_TEXT = 'application/json; charset=utf-8';
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

describe('Rekor v1 API over HTTP on PostgreSQL', () => {
  let server: RunningServer;
  let url: string;
  let log: TestLog | undefined;
  const signer = newSigner();
  const created: { uuid: string; value: LogEntryValue; entry: Record<string, unknown> }[] = [];

  /** Checks an entry the way a Sigstore verifier does: proof, checkpoint signature, SET. */
  async function checkEntry(uuid: string, v: LogEntryValue): Promise<void> {
    const pem = await (await fetch(`${url}/api/v1/log/publicKey`)).text();
    const body = Buffer.from(v.body, 'base64');
    const leaf = hashLeaf(body);
    expect(uuid.slice(16)).toBe(Buffer.from(leaf).toString('hex'));
    const p = v.verification.inclusionProof;
    verifyInclusion(p.logIndex, p.treeSize, leaf, p.hashes.map(fromHex), fromHex(p.rootHash));
    const verifier = await noteVerifierFromPublicKey(server.config.logName, parsePublicKey(pem));
    const { note } = await verifyNote(p.checkpoint, [verifier]);
    const cp = parseCheckpoint(note.text);
    expect(cp.size).toBe(p.treeSize);
    expect(Buffer.from(cp.rootHash).toString('hex')).toBe(p.rootHash);
    const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    expect(v.logID).toBe(createHash('sha256').update(spki).digest('hex'));
    const setPayload = canonicalJsonBytes({
      body: v.body,
      integratedTime: v.integratedTime,
      logID: v.logID,
      logIndex: v.logIndex,
    });
    expect(
      verify('sha256', setPayload, pem, Buffer.from(v.verification.signedEntryTimestamp, 'base64')),
    ).toBe(true);
  }

  beforeAll(async () => {
    log = await startTestLog();
    server = log.server;
    url = server.url;
    for (let i = 0; i < 5; i++) {
      const entry = hashedRekord(signer);
      const r = await postEntry(url, entry);
      expect(r.status).toBe(201);
      const json = (await r.json()) as Record<string, LogEntryValue>;
      const [uuid, value] = Object.entries(json)[0]!;
      expect(r.headers.get('etag')).toBe(uuid);
      expect(r.headers.get('location')).toBe(`/api/v1/log/entries/${uuid}`);
      expect(r.headers.get('content-type')).toBe(JSON_TEXT);
      created.push({ uuid, value, entry });
    }
  });
  afterAll(async () => {
    await log?.stop();
  });

  describe('POST /api/v1/log/entries', () => {
    it('answers 201 with contiguous indices, a verifiable proof, checkpoint and SET', async () => {
      expect(created.map((c) => c.value.logIndex)).toEqual([0, 1, 2, 3, 4]);
      for (const c of created) await checkEntry(c.uuid, c.value);
    });

    describe('when the entry is already logged', () => {
      it('answers 409 with the Location of the existing entry', async () => {
        const r = await postEntry(url, created[2]!.entry);
        expect(r.status).toBe(409);
        expect(r.headers.get('location')).toBe(`/api/v1/log/entries/${created[2]!.uuid}`);
        const body = (await r.json()) as { code: number; message: string };
        expect(body.code).toBe(409);
        expect(body.message).toContain(created[2]!.uuid);
      });
    });
  });

  describe('GET /api/v1/log/entries', () => {
    it.each([0, 3, 4])('by logIndex %i returns a verifiable entry against the latest tree', async (i) => {
      const r = await fetch(`${url}/api/v1/log/entries?logIndex=${i}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(JSON_TEXT);
      const [uuid, v] = Object.entries((await r.json()) as Record<string, LogEntryValue>)[0]!;
      expect(uuid).toBe(created[i]!.uuid);
      expect(v.verification.inclusionProof.treeSize).toBe(5);
      await checkEntry(uuid, v);
    });

    it.each([
      ['80-hex EntryUUID', (u: string) => u],
      ['64-hex leaf hash', (u: string) => u.slice(16)],
      ['upper-case', (u: string) => u.toUpperCase()],
    ])('by %s', async (_n, f) => {
      const r = await fetch(`${url}/api/v1/log/entries/${f(created[1]!.uuid)}`);
      expect(r.status).toBe(200);
      expect(Object.keys((await r.json()) as object)).toEqual([created[1]!.uuid]);
    });
  });

  describe('POST /api/v1/log/entries/retrieve', () => {
    it('finds entries by UUID, index and proposed entry, skipping unknown ones', async () => {
      const r = await fetch(`${url}/api/v1/log/entries/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          entryUUIDs: [created[0]!.uuid, 'ab'.repeat(32)],
          logIndexes: [4, 99],
          entries: [created[3]!.entry],
        }),
      });
      expect(r.status).toBe(200);
      const list = (await r.json()) as Record<string, LogEntryValue>[];
      expect(list.map((e) => Object.keys(e)[0])).toEqual([
        created[4]!.uuid,
        created[0]!.uuid,
        created[3]!.uuid,
      ]);
    });
  });

  describe('POST /api/v1/index/retrieve', () => {
    const search = async (q: unknown): Promise<string[]> => {
      const r = await fetch(`${url}/api/v1/index/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(q),
      });
      expect(r.status).toBe(200);
      return (await r.json()) as string[];
    };

    it('finds an entry by artifact digest (with and without prefix)', async () => {
      const spec = created[2]!.entry.spec as { data: { hash: { value: string } } };
      expect(await search({ hash: `sha256:${spec.data.hash.value}` })).toEqual([created[2]!.uuid]);
      expect(await search({ hash: spec.data.hash.value })).toEqual([created[2]!.uuid]);
    });

    it('finds every entry of a public key', async () => {
      const content = Buffer.from(signer.publicKeyPem).toString('base64');
      expect(await search({ publicKey: { format: 'x509', content } })).toEqual(created.map((c) => c.uuid));
    });

    it('combines with operator and', async () => {
      const spec = created[2]!.entry.spec as { data: { hash: { value: string } } };
      const content = Buffer.from(newSigner().publicKeyPem).toString('base64');
      expect(
        await search({ hash: spec.data.hash.value, publicKey: { format: 'x509', content }, operator: 'and' }),
      ).toEqual([]);
    });
  });

  describe('GET /api/v1/log', () => {
    it('returns the signed checkpoint of the latest tree', async () => {
      const r = await fetch(`${url}/api/v1/log`);
      const info = (await r.json()) as {
        rootHash: string;
        treeSize: number;
        signedTreeHead: string;
        treeID: string;
      };
      expect(info.treeSize).toBe(5);
      expect(created[0]!.uuid.slice(0, 16)).toBe(BigInt(info.treeID).toString(16).padStart(16, '0'));
      expect(info.signedTreeHead.split('\n')[0]).toBe(`${server.config.logName} - ${info.treeID}`);
      expect(info.signedTreeHead).toContain(`\n\u2014 ${server.config.logName} `);
    });
  });

  describe('GET /api/v1/log/proof', () => {
    it('returns a consistency proof whose root is the latest root', async () => {
      const info = (await (await fetch(`${url}/api/v1/log`)).json()) as { rootHash: string };
      const r = await fetch(`${url}/api/v1/log/proof?firstSize=2&lastSize=5`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(JSON_TEXT);
      const p = (await r.json()) as { rootHash: string; hashes: string[] };
      expect(p.rootHash).toBe(info.rootHash);
      expect(p.hashes.length).toBeGreaterThan(0);
    });
  });

  describe('GET /api/v1/log/trusted-root', () => {
    it('names this log with its base URL, key and log ID', async () => {
      const root = (await (await fetch(`${url}/api/v1/log/trusted-root`)).json()) as {
        tlogs: { baseUrl: string; logId: { keyId: string }; publicKey: { rawBytes: string } }[];
      };
      expect(root.tlogs[0]!.baseUrl).toBe(url);
      expect(Buffer.from(root.tlogs[0]!.logId.keyId, 'base64').toString('hex')).toBe(created[0]!.value.logID);
      expect(root.tlogs[0]!.baseUrl.includes(server.config.logName)).toBe(true);
    });

    it('starts validFor on a whole second, so entries of the first second verify', async () => {
      const root = (await (await fetch(`${url}/api/v1/log/trusted-root`)).json()) as {
        tlogs: { publicKey: { validFor: { start: string } } }[];
      };
      const start = Date.parse(root.tlogs[0]!.publicKey.validFor.start);
      expect(start % 1000).toBe(0);
      for (const c of created) expect(c.value.integratedTime * 1000).toBeGreaterThanOrEqual(start);
    });
  });

  describe('operations', () => {
    it('serves /healthz, /readyz and Prometheus /metrics', async () => {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', treeSize: 5 });
      const m = await (await fetch(`${url}/metrics`)).text();
      expect(m).toMatch(/^scriba_entries_appended_total 5$/m);
      expect(m).toMatch(/^scriba_duplicates_rejected_total 1$/m);
      expect(m).toMatch(/^scriba_tree_size 5$/m);
      expect(m).toMatch(/^scriba_append_latency_seconds_count 6$/m);
      expect(m).toMatch(/^scriba_batch_size_bucket\{le="\+Inf"\} \d+$/m);
    });
  });
});

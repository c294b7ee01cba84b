import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashLeaf, verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';
import { generateLogKeyPem } from '../src/keys/logKey.js';

type Entry = {
  body: string;
  logIndex: number;
  verification: {
    inclusionProof: { treeSize: number; rootHash: string; hashes: string[]; checkpoint: string };
  };
};

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** The one entry of a Rekor v1 LogEntry answer, with its UUID. */
async function entryOf(r: Response): Promise<[string, Entry]> {
  expect([200, 201]).toContain(r.status);
  return Object.entries((await r.json()) as Record<string, Entry>)[0]!;
}

/** The entry's proof holds against a checkpoint that includes it (size and root in the note too). */
function expectProven(e: Entry): void {
  const p = e.verification.inclusionProof;
  expect(p.treeSize).toBeGreaterThan(e.logIndex);
  const [, size, root] = p.checkpoint.split('\n');
  expect(Number(size)).toBe(p.treeSize);
  expect(Buffer.from(root!, 'base64').toString('hex')).toBe(p.rootHash);
  const leaf = hashLeaf(new Uint8Array(Buffer.from(e.body, 'base64')));
  verifyInclusion(e.logIndex, p.treeSize, leaf, p.hashes.map(fromHex), fromHex(p.rootHash));
}

/**
 * Two `scriba serve` processes on one database: a process whose reads answer from its cached tree
 * head still answers an entry the other process appended (never 404, never a proof against a
 * checkpoint without it), by index and by UUID, and proves consistency up to the other's size.
 */
describe('reads across two server processes (cached tree head)', () => {
  let a: SpawnedServer;
  let b: SpawnedServer;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    const dir = await tempDir();
    const keyPath = join(dir.path, 'log.pem');
    await writeFile(keyPath, generateLogKeyPem(), { mode: 0o600 });
    cleanup.push(db.drop, dir.remove);
    const env = {
      DATABASE_URL: db.url,
      SCRIBA_DATA_DIR: dir.path,
      SCRIBA_LOG_KEY: keyPath,
      SCRIBA_PUBLIC_URL: 'http://scriba.test',
    };
    [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
  });
  afterAll(async () => {
    for (const s of [a, b]) await s?.stop('SIGKILL');
    for (const c of cleanup) await c();
  });

  it('answers entries appended through the other process, with proofs against checkpoints holding them', async () => {
    const signer = newSigner();
    for (let i = 0; i < 3; i++) expect((await postEntry(a.url, hashedRekord(signer))).status).toBe(201);
    // A caches its head (size 3) by reading.
    const [, first] = await entryOf(await fetch(`${a.url}/api/v1/log/entries?logIndex=0`));
    expect(first.verification.inclusionProof.treeSize).toBe(3);

    // By UUID: B's entry 3, past A's head (the index is only known once found).
    const [uuid, third] = await entryOf(await postEntry(b.url, hashedRekord(signer)));
    expect(third.logIndex).toBe(3);
    const [, byUuid] = await entryOf(await fetch(`${a.url}/api/v1/log/entries/${uuid}`));
    expect(byUuid.logIndex).toBe(3);
    expectProven(byUuid);
    // By index: B's entry 4, past A's head again.
    const [, last] = await entryOf(await postEntry(b.url, hashedRekord(signer)));
    expect(last.logIndex).toBe(4);
    const [, byIndex] = await entryOf(await fetch(`${a.url}/api/v1/log/entries?logIndex=4`));
    expect(byIndex.body).toBe(last.body);
    expectProven(byIndex);
    // An older entry: against whichever head A holds, always one that includes it.
    const [, older] = await entryOf(await fetch(`${a.url}/api/v1/log/entries?logIndex=1`));
    expectProven(older);

    const to = last.verification.inclusionProof;
    const r = await fetch(`${a.url}/api/v1/log/proof?firstSize=3&lastSize=${to.treeSize}`);
    expect(r.status).toBe(200);
    const proof = (await r.json()) as { rootHash: string; hashes: string[] };
    expect(proof.rootHash).toBe(to.rootHash);
    verifyConsistency(
      3,
      to.treeSize,
      proof.hashes.map(fromHex),
      fromHex(first.verification.inclusionProof.rootHash),
      fromHex(to.rootHash),
    );
  });
});

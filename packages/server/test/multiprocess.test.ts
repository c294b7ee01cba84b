import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyConsistency } from '@scriba/sdk/merkle';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';
import { generateLogKeyPem } from '../src/keys/logKey.js';

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/**
 * Two `scriba serve` processes on one PostgreSQL database, appending concurrently: one tree, no
 * gaps, no duplicates, every acknowledged entry present; then a restart keeps everything.
 */
describe('several server processes on one database', () => {
  let servers: SpawnedServer[] = [];
  let env: Record<string, string>;
  let dbUrl: string;
  const cleanup: (() => Promise<void>)[] = [];
  const acked = new Map<string, number>(); // uuid -> logIndex
  const sizesSeen: { size: number; root: string }[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    dbUrl = db.url;
    const dir = await tempDir();
    const keyPath = join(dir.path, 'log.pem');
    await writeFile(keyPath, generateLogKeyPem(), { mode: 0o600 });
    env = {
      DATABASE_URL: db.url,
      SCRIBA_DATA_DIR: dir.path,
      SCRIBA_LOG_KEY: keyPath,
      SCRIBA_PUBLIC_URL: 'http://scriba.test',
      SCRIBA_BATCH_MAX_SIZE: '16',
    };
    cleanup.push(db.drop, dir.remove);
    // Both start at once: migrations and tree creation MUST be safe under concurrency.
    // The second process pipelines its batches (two in flight), exercising that path too.
    servers = await Promise.all([spawnServer(env), spawnServer({ ...env, SCRIBA_BATCH_PIPELINE: '2' })]);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    for (const c of cleanup) await c();
  });

  it('appends concurrently through both processes into one contiguous tree', async () => {
    const signer = newSigner();
    const PER_CLIENT = 25;
    const CLIENTS = 8;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const target = servers[c % 2]!;
        for (let i = 0; i < PER_CLIENT; i++) {
          const r = await postEntry(target.url, hashedRekord(signer));
          expect(r.status).toBe(201);
          const [uuid, v] = Object.entries(
            (await r.json()) as Record<
              string,
              { logIndex: number; verification: { inclusionProof: { treeSize: number; rootHash: string } } }
            >,
          )[0]!;
          acked.set(uuid, v.logIndex);
          sizesSeen.push({
            size: v.verification.inclusionProof.treeSize,
            root: v.verification.inclusionProof.rootHash,
          });
        }
      }),
    );
    const total = PER_CLIENT * CLIENTS;
    expect(acked.size).toBe(total);
    expect([...acked.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));

    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const { rows } = await c.query(
        'SELECT count(*)::int AS n, min(log_index)::int AS lo, max(log_index)::int AS hi FROM entries',
      );
      expect(rows[0]).toEqual({ n: total, lo: 0, hi: total - 1 });
      const st = await c.query('SELECT tree_size::int AS s FROM tree_state');
      expect(st.rows[0].s).toBe(total);
    } finally {
      await c.end();
    }
  });

  it('every checkpoint either process signed is consistent with the final tree', async () => {
    const info = (await (await fetch(`${servers[0]!.url}/api/v1/log`)).json()) as {
      treeSize: number;
      rootHash: string;
    };
    const seen = new Map(sizesSeen.map((s) => [s.size, s.root]));
    for (const [size, root] of seen) {
      const p = (await (
        await fetch(`${servers[1]!.url}/api/v1/log/proof?firstSize=${size}&lastSize=${info.treeSize}`)
      ).json()) as {
        rootHash: string;
        hashes: string[];
      };
      verifyConsistency(size, info.treeSize, p.hashes.map(fromHex), fromHex(root), fromHex(info.rootHash));
    }
  });

  it('a duplicate posted to both processes at once is logged once (201 + 409)', async () => {
    const entry = hashedRekord(newSigner());
    const statuses = (await Promise.all(servers.map((s) => postEntry(s.url, entry))))
      .map((r) => r.status)
      .sort();
    expect(statuses).toEqual([201, 409]);
  });

  it('after a restart every acknowledged entry is still there', async () => {
    const before = (await (await fetch(`${servers[0]!.url}/api/v1/log`)).json()) as {
      treeSize: number;
      rootHash: string;
    };
    for (const s of servers) expect(await s.stop()).toBe(0);
    servers = [await spawnServer(env)];
    const after = (await (await fetch(`${servers[0]!.url}/api/v1/log`)).json()) as {
      treeSize: number;
      rootHash: string;
    };
    expect(after).toMatchObject({ treeSize: before.treeSize, rootHash: before.rootHash });
    const uuids = [...acked.keys()];
    for (let i = 0; i < uuids.length; i += 10) {
      const r = await fetch(`${servers[0]!.url}/api/v1/log/entries/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ entryUUIDs: uuids.slice(i, i + 10) }),
      });
      const list = (await r.json()) as Record<string, { logIndex: number }>[];
      expect(list.map((e) => Object.keys(e)[0])).toEqual(uuids.slice(i, i + 10));
      for (const e of list) {
        const [u, v] = Object.entries(e)[0]!;
        expect(v.logIndex).toBe(acked.get(u));
      }
    }
  });

  it("refuses to start when its keyring lacks the active shard's key (one clear line)", async () => {
    const dir = await tempDir();
    try {
      const other = join(dir.path, 'other.pem');
      await writeFile(other, generateLogKeyPem(), { mode: 0o600 });
      await expect(spawnServer({ ...env, SCRIBA_LOG_KEY: other })).rejects.toThrow(
        /does not hold the key of this database's active shard/,
      );
    } finally {
      await dir.remove();
    }
  });
});

/**
 * Witness push across a rotation (issue 11), real PostgreSQL, real HTTP, a real C2SP witness that
 * follows both shards' origins with the log's one Ed25519 key: after the rotation the log's pusher
 * follows the new active shard, and it still delivers the frozen shard's final checkpoint, which the
 * witness could not be reached for when the log rotated. Until the witness cosigned it, the frozen
 * shard's checkpoint is not served as immutable; afterwards it is, cosignature included.
 */
import { join } from 'node:path';
import { type Checkpoint, parseCheckpoint, parseNote, parseVerifierKey, verifyNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { freePort } from '../../../test/helpers/ports.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { rotateShard } from '../../../test/helpers/shard-rotate.js';
import { tcpProxy } from '../../../test/helpers/tcp-proxy.js';
import { until } from '../../../test/helpers/witness.js';
import { createWitnessServer, type WitnessServer } from '../../witness/src/index.js';
import { LogService } from '../src/log/service.js';
import type { RunningServer } from '../src/main.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

let env: Record<string, string>;
let server: RunningServer;
let witness: WitnessServer;
let proxy: Awaited<ReturnType<typeof tcpProxy>>;
let frozen: string;
let frozenOrigin: string;
let next: string;
let nextOrigin: string;
const cleanups: (() => Promise<void>)[] = [];

async function appendTo(s: RunningServer, n: number): Promise<void> {
  const signer = newSigner();
  for (let i = 0; i < n; i++) expect((await postEntry(s.url, hashedRekord(signer))).status).toBe(201);
}

/** The checkpoint at `path` once it carries the witness's verified cosignature, with the answer's headers. */
async function witnessed(path: string): Promise<{ cp: Checkpoint; cacheControl: string | null }> {
  return until(`a witness cosignature on ${path}`, async () => {
    const r = await fetch(`${server.url}${path}`);
    const text = await r.text();
    try {
      await verifyNote(text, [parseVerifierKey(witness.vkey)]);
    } catch {
      return undefined;
    }
    return { cp: parseCheckpoint(parseNote(text).text), cacheControl: r.headers.get('cache-control') };
  });
}

beforeAll(async () => {
  const dir = await tempDir('scriba-shard-witness-');
  const db = await createTestDatabase('scriba_shard_witness');
  cleanups.push(dir.remove, db.drop);
  env = {
    DATABASE_URL: db.url,
    SCRIBA_DATA_DIR: join(dir.path, 'log'),
    SCRIBA_PUBLIC_URL: 'http://scriba.test',
  };
  // A first start creates the log (key, first shard): the witness is configured from it.
  const first = await startTestServer(env);
  const logVkey = (await (await fetch(`${first.url}/api/v2/log/vkeys`)).text()).trim();
  frozen = first.log.active.treeId;
  frozenOrigin = first.log.signer.origin;
  await first.close();
  next = LogService.newTreeId();
  nextOrigin = `scriba.test - ${next}`;
  const wdb = await createTestDatabase('scriba_shard_witness_w');
  cleanups.push(wdb.drop);
  // Each shard is a log of its own for the witness (its origin), verified with the same key.
  witness = await createWitnessServer({
    name: 'witness.test/shards',
    dataDir: join(dir.path, 'witness'),
    databaseUrl: wdb.url,
    logs: [
      { vkeys: [logVkey], origin: frozenOrigin },
      { vkeys: [logVkey], origin: nextOrigin },
    ],
  });
  const wport = await freePort();
  await witness.app.listen({ host: '127.0.0.1', port: wport });
  cleanups.unshift(() => witness.close());
  proxy = await tcpProxy({ host: '127.0.0.1', port: wport });
  cleanups.unshift(() => proxy.close());
  server = await startTestServer({
    ...env,
    SCRIBA_WITNESSES: `http://127.0.0.1:${proxy.port} ${witness.vkey}`,
    SCRIBA_WITNESS_INTERVAL_MS: '20',
    SCRIBA_WITNESS_TIMEOUT_MS: '500',
  });
  cleanups.unshift(() => server.close());
});

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe('witness push per shard', () => {
  describe('before a rotation', () => {
    it("the active shard's checkpoints are cosigned", async () => {
      await appendTo(server, 3);
      const { cp } = await witnessed('/api/v2/checkpoint');
      expect([cp.origin, cp.size]).toEqual([frozenOrigin, 3]);
    });
  });

  describe('when the log rotates while the witness is unreachable', () => {
    let after: RunningServer;

    beforeAll(async () => {
      proxy.mode('refuse');
      await appendTo(server, 2);
      await rotateShard(server, next);
      after = await startTestServer(env);
      cleanups.unshift(() => after.close());
      await appendTo(after, 2);
    });

    it("the frozen shard's final checkpoint is not served as immutable before the witness cosigned it", async () => {
      const r = await fetch(`${server.url}/api/v2/shards/${frozen}/checkpoint`);
      const cp = parseCheckpoint(parseNote(await r.text()).text);
      expect([cp.origin, cp.size]).toEqual([frozenOrigin, 5]);
      expect(r.headers.get('cache-control')).toBe('public, max-age=2');
    });

    it("the pusher follows the new shard and still delivers the frozen shard's final checkpoint", async () => {
      proxy.mode('pass');
      const old = await witnessed(`/api/v2/shards/${frozen}/checkpoint`);
      expect([old.cp.origin, old.cp.size]).toEqual([frozenOrigin, 5]);
      expect(old.cacheControl).toBe(IMMUTABLE);
      const current = await witnessed('/api/v2/checkpoint');
      expect([current.cp.origin, current.cp.size]).toEqual([nextOrigin, 2]);
      expect(current.cacheControl).toBe('public, max-age=2');
      // The witness's own state: each shard's latest checkpoint, under its origin.
      expect((await witness.witness.state(frozenOrigin))?.size).toBe(5);
      expect((await witness.witness.state(nextOrigin))?.size).toBe(2);
    });
  });
});

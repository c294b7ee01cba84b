/**
 * A log that rewrites history is caught. A real log server (PostgreSQL) pushes its checkpoints to a
 * real witness over HTTP and is followed by the monitor. Then the test rewrites a stored leaf and all
 * of its tiles directly in PostgreSQL and re-signs a checkpoint with the log key:
 *  - same size, re-signed: the monitor exits 1 (same size, different root) and the witness answers 409;
 *  - the forked log keeps growing (the real sequencer signs the forked tree): the monitor exits 1 with
 *    both checkpoints and the failing consistency proof, and the witness refuses it with 422.
 * The monitor's state file keeps the last honest checkpoint throughout.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { base64Encode, utf8Encode } from '@scriba/sdk';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { hashLeaf, rootFromLeafHashes } from '@scriba/sdk/merkle';
import { noteVerifierFromPublicKey, parseVerifierKey, verifyNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { startTestWitness, until } from '../../../test/helpers/witness.js';
import { type MonitorEvent, monitorRound } from '../../cli/src/commands/monitor.js';
import type { WitnessServer } from '../../witness/src/index.js';
import { checkpointEd25519 } from '../src/keys/checkpointEd25519.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { appendBatch } from '../src/log/sequencer.js';
import type { RunningServer } from '../src/main.js';
import { toBytes } from '../src/storage/index.js';
import { fakeEntry } from './fixtures.js';

const ORIGIN = '127.0.0.1/scriba-fork-test';
let server: RunningServer;
let witness: WitnessServer;
let witnessUrl: string;
const cleanups: (() => Promise<void>)[] = [];
let statePath: string;
const saved: Record<string, string | undefined> = {};

async function grow(n: number, tag: string): Promise<void> {
  await appendBatch(
    server.log.tree,
    server.log.signer,
    Array.from({ length: n }, (_, i) => fakeEntry(`${tag}-${i}`)),
  );
}

async function monitor(): Promise<{ exit: number; events: MonitorEvent[] }> {
  const events: MonitorEvent[] = [];
  const ecdsa = noteVerifierFromPublicKey(server.log.signer.name, parsePublicKey(server.log.key.spki));
  const r = await monitorRound({
    tilesUrl: `${server.url}/api/v2`,
    verifiers: async () => [ecdsa],
    statePath,
    watch: { identities: [], issuers: [], keys: [], digests: [] },
    emit: (e) => events.push(e),
  });
  return { exit: r.exit, events };
}

/** Every tile row of a tree with these leaf hashes (C2SP numbering; full and partial). */
function allTiles(leaves: Uint8Array[]): { level: number; index: number; hashes: Uint8Array }[] {
  const out: { level: number; index: number; hashes: Uint8Array }[] = [];
  let level = leaves;
  for (let l = 0; level.length > 0; l++) {
    const next: Uint8Array[] = [];
    for (let n = 0; n * 256 < level.length; n++) {
      const chunk = level.slice(n * 256, (n + 1) * 256);
      const hashes = new Uint8Array(chunk.length * 32);
      chunk.forEach((h, i) => {
        hashes.set(h, i * 32);
      });
      out.push({ level: l, index: n, hashes });
      if (chunk.length === 256) next.push(rootFromLeafHashes(chunk));
    }
    level = next;
  }
  return out;
}

beforeAll(async () => {
  const dir = await tempDir('scriba-fork-');
  cleanups.push(dir.remove);
  statePath = join(dir.path, 'monitor-state.json');
  // The log key up front: the witness must know the log's Ed25519 verifier key before the log starts.
  const logDir = join(dir.path, 'log');
  await mkdir(logDir, { recursive: true });
  const pem = generateLogKeyPem();
  await writeFile(join(logDir, 'log-key.pem'), pem, { mode: 0o600 });
  const logVkey = (await checkpointEd25519(parseLogKeyPem(pem, 'test'), '127.0.0.1', {})).vkey;

  ({ witness, url: witnessUrl } = await startTestWitness({
    name: 'witness.test/w1',
    database: 'scriba_fork_witness',
    dataDir: join(dir.path, 'witness'),
    logVkey,
    origin: ORIGIN,
    cleanups,
  }));

  for (const k of ['SCRIBA_WITNESSES', 'SCRIBA_WITNESS_INTERVAL_MS']) saved[k] = process.env[k];
  process.env.SCRIBA_WITNESSES = `${witnessUrl} ${witness.vkey}`;
  process.env.SCRIBA_WITNESS_INTERVAL_MS = '100';
  const db = await createTestDatabase('scriba_fork');
  cleanups.push(db.drop);
  server = await startTestServer({
    DATABASE_URL: db.url,
    SCRIBA_DATA_DIR: logDir,
    SCRIBA_LOG_NAME: '127.0.0.1',
    SCRIBA_ORIGIN: ORIGIN,
  });
  cleanups.push(() => server.close());
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function cosignedCheckpoint(size: number): Promise<string> {
  return until(`a cosigned checkpoint of size ${size}`, async () => {
    const text = await (await fetch(`${server.url}/api/v2/checkpoint`)).text();
    return text.startsWith(`${ORIGIN}\n${size}\n`) && text.includes('— witness.test/w1 ') ? text : undefined;
  });
}

describe('a log that rewrites history', () => {
  describe('while the log is honest', () => {
    it('the witness cosigns every checkpoint and the monitor verifies it', async () => {
      await grow(300, 'honest-a');
      const cp300 = await cosignedCheckpoint(300);
      const { verified } = await verifyNote(cp300, [parseVerifierKey(witness.vkey)]);
      expect(verified).toHaveLength(1);
      expect((await monitor()).exit).toBe(0);

      await grow(300, 'honest-b');
      await cosignedCheckpoint(600);
      const m = await monitor();
      expect(m.exit).toBe(0);
      expect(m.events.find((e) => e.event === 'consistent')).toMatchObject({ oldSize: 300, newSize: 600 });
      expect(JSON.parse(await readFile(statePath, 'utf8')).size).toBe(600);
    });
  });

  describe('when a stored leaf and its tiles are rewritten and the checkpoint re-signed at the same size', () => {
    it('the monitor exits 1 with both checkpoints and the witness answers 409', async () => {
      const forged = utf8Encode('{"forged":true}');
      await server.db.query('UPDATE entries SET body = $1, leaf_hash = $2 WHERE log_index = 10', [
        forged,
        hashLeaf(forged),
      ]);
      const { rows } = await server.db.query<{ leaf_hash: unknown }>(
        'SELECT leaf_hash FROM entries ORDER BY log_index',
      );
      const leaves = rows.map((r) => toBytes(r.leaf_hash));
      expect(leaves).toHaveLength(600);
      // Every tile stored anew, each as one row (a partial tile may be stored as several).
      await server.db.query('DELETE FROM tiles WHERE tree_id = $1', [server.log.treeId]);
      for (const t of allTiles(leaves)) {
        await server.db.query('INSERT INTO tiles (tree_id, level, idx, hashes) VALUES ($4, $1, $2, $3)', [
          t.level,
          t.index,
          t.hashes,
          server.log.treeId,
        ]);
      }
      const root = rootFromLeafHashes(leaves);
      const note = await server.log.signer.sign(600, root);
      await server.db.query('UPDATE tree_state SET root_hash = $1, checkpoint = $2 WHERE active', [
        root,
        note,
      ]);

      const honestState = await readFile(statePath, 'utf8');
      const m = await monitor();
      expect(m.exit).toBe(1);
      const failure = m.events.find((e) => e.event === 'failure')!;
      expect(failure.code).toBe('MERKLE_ROOT_MISMATCH');
      const ev = failure.evidence as Record<string, string>;
      expect(ev.previousCheckpoint).toContain(`${ORIGIN}\n600\n`);
      expect(ev.checkpoint).toContain(base64Encode(root));
      expect(await readFile(statePath, 'utf8')).toBe(honestState);

      // The log's own pusher offers the re-signed checkpoint: the witness refuses (same size, other root).
      const status = await until('the witness refusal', async () => {
        const r = await server.db.query<{ last_error: string | null }>(
          'SELECT last_error FROM witness_status',
        );
        return r.rows[0]?.last_error?.includes('409') ? r.rows[0].last_error : undefined;
      });
      expect(status).toContain('409');
    });
  });

  describe('when the forked log keeps growing', () => {
    it('the monitor exits 1 with the failing consistency proof and the witness refuses with 422', async () => {
      await grow(100, 'forked');
      const m = await monitor();
      expect(m.exit).toBe(1);
      const failure = m.events.find((e) => e.event === 'failure')!;
      const ev = failure.evidence as {
        previousCheckpoint: string;
        checkpoint: string;
        proof: string[];
        oldSize: number;
        newSize: number;
      };
      expect(ev.oldSize).toBe(600);
      expect(ev.newSize).toBe(700);
      expect(ev.proof.length).toBeGreaterThan(0);
      expect(ev.previousCheckpoint).toContain(`${ORIGIN}\n600\n`);
      expect(ev.checkpoint).toContain(`${ORIGIN}\n700\n`);
      expect(JSON.parse(await readFile(statePath, 'utf8')).size).toBe(600);

      const refusal = await until('a 422 refusal', async () => {
        const r = await witness.witness.state(ORIGIN);
        const st = await server.db.query<{ last_error: string | null }>(
          'SELECT last_error FROM witness_status',
        );
        return st.rows[0]?.last_error?.includes('422') && r?.size === 600 ? st.rows[0].last_error : undefined;
      });
      expect(refusal).toContain('HTTP 422');
      // The witness still holds the honest 600 checkpoint and never cosigned the fork.
      expect((await witness.witness.state(ORIGIN))?.size).toBe(600);
      const served = await (await fetch(`${server.url}/api/v2/checkpoint`)).text();
      expect(served).toContain(`${ORIGIN}\n700\n`);
      expect(served).not.toContain('— witness.test/w1 ');
    });
  });
});

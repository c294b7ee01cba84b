/**
 * End to end with real processes: `scriba witness` (PGlite state under its data directory) and
 * `scriba serve` (PostgreSQL, explicit Ed25519 checkpoint key via SCRIBA_LOG_ED25519_KEY, pushing to
 * the witness via SCRIBA_WITNESSES). The log's checkpoints come back cosigned; the witness process is
 * restarted and still knows the size it cosigned last (409 with that size to a stale request).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatVerifierKey, NOTE_KEY_TYPE_ED25519, parseVerifierKey, verifyNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { freePort } from '../../../test/helpers/ports.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { CLI_BIN, type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';
import { until } from '../../../test/helpers/witness.js';

const ORIGIN = '127.0.0.1/scriba-e2e';
let dir: string;
let log: SpawnedServer;
let witness: { child: ChildProcess; url: string; out: () => string } | undefined;
let witnessVkey: string;
let witnessPort: number;
const cleanups: (() => Promise<void>)[] = [];

function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

async function startWitness(configPath: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      CLI_BIN,
      'witness',
      '--config',
      configPath,
      '--data-dir',
      join(dir, 'witness'),
      '--port',
      String(witnessPort),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 60_000;
  while (!out.includes('listening on')) {
    if (child.exitCode !== null) throw new Error(`witness exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`witness did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  witness = { child, url: `http://127.0.0.1:${witnessPort}`, out: () => out };
}

async function stopWitness(): Promise<void> {
  const w = witness;
  if (!w || w.child.exitCode !== null) return;
  const exited = new Promise((r) => w.child.once('exit', r));
  w.child.kill('SIGTERM');
  await exited;
}

let configPath: string;

beforeAll(async () => {
  const d = await tempDir('scriba-e2e-witness-');
  dir = d.path;
  cleanups.push(d.remove);
  // The log's Ed25519 checkpoint key, given explicitly.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const edPath = join(dir, 'log-ed25519.pem');
  await writeFile(edPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  const raw = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })).slice(-32);
  const logVkey = formatVerifierKey('127.0.0.1', NOTE_KEY_TYPE_ED25519, raw);

  const printed = await runCli([
    'witness',
    '--name',
    'witness.e2e/w1',
    '--data-dir',
    join(dir, 'witness'),
    '--print-vkey',
  ]);
  expect(printed.code).toBe(0);
  witnessVkey = printed.out.trim();
  configPath = join(dir, 'witness.json');
  await writeFile(
    configPath,
    JSON.stringify({ name: 'witness.e2e/w1', logs: [{ vkeys: [logVkey], origin: ORIGIN }] }),
  );
  witnessPort = await freePort();
  await startWitness(configPath);
  cleanups.push(stopWitness);

  const db = await createTestDatabase('scriba_e2e_witness');
  cleanups.push(db.drop);
  log = await spawnServer({
    DATABASE_URL: db.url,
    SCRIBA_DATA_DIR: join(dir, 'log'),
    SCRIBA_LOG_NAME: '127.0.0.1',
    SCRIBA_ORIGIN: ORIGIN,
    SCRIBA_LOG_ED25519_KEY: edPath,
    SCRIBA_WITNESSES: `http://127.0.0.1:${witnessPort} ${witnessVkey}`,
    SCRIBA_WITNESS_INTERVAL_MS: '100',
  });
  cleanups.unshift(async () => {
    await log.stop();
  });
});

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

async function cosignedAt(size: number): Promise<string> {
  return until(
    `cosigned checkpoint ${size}`,
    async () => {
      const t = await (await fetch(`${log.url}/api/v2/checkpoint`)).text();
      return t.startsWith(`${ORIGIN}\n${size}\n`) && t.includes('— witness.e2e/w1 ') ? t : undefined;
    },
    30_000,
  );
}

describe('scriba serve + scriba witness', () => {
  describe('when the log appends', () => {
    it('serves its checkpoint cosigned by the witness', async () => {
      for (let i = 0; i < 3; i++)
        expect((await postEntry(log.url, hashedRekord(newSigner()))).status).toBe(201);
      const cp = await cosignedAt(3);
      const { verified } = await verifyNote(cp, [parseVerifierKey(witnessVkey)]);
      expect(verified).toHaveLength(1);
    });
  });

  describe('when the witness process restarts', () => {
    it('keeps its state and cosigns the next checkpoints', async () => {
      await stopWitness();
      // Appends go on while the witness is down.
      for (let i = 0; i < 2; i++)
        expect((await postEntry(log.url, hashedRekord(newSigner()))).status).toBe(201);
      await startWitness(configPath);
      const stale = await fetch(`${witness!.url}/add-checkpoint`, {
        method: 'POST',
        body: `old 0\n\n${(await (await fetch(`${log.url}/api/v2/checkpoint`)).text()).split('— witness.e2e/w1')[0]}`,
      });
      expect(stale.status).toBe(409);
      expect(stale.headers.get('content-type')).toBe('text/x.tlog.size');
      expect(Number(await stale.text())).toBeGreaterThanOrEqual(3);
      await cosignedAt(5);
    });
  });
});

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { hashLeaf, verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childrenOf, cpuSeconds } from '../../../bench/lib/proc.mjs';
import { hashedRekord, newSigner, postEntry, type Signer } from '../../../test/helpers/entries.js';
import { freePort } from '../../../test/helpers/ports.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { rawHttp } from '../../../test/helpers/raw-http.js';
import { CLI_BIN, type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';

/**
 * `scriba serve --workers N` (cluster.ts), the built CLI spawned on real PostgreSQL over real HTTP:
 * N processes serve one log, a killed worker comes back without losing an acknowledged entry, a
 * SIGTERM drains every worker, and what cannot work (embedded database, bad counts, a port in use)
 * is refused with one line.
 */

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** Runs `scriba serve ARGS` to its exit (it must not start); resolves with its code and output. */
function runToExit(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, 'serve', ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr, stdout });
    });
  });
}

type Acked = {
  uuid: string;
  logIndex: number;
  body: string;
  treeSize: number;
  rootHash: string;
  hashes: string[];
};

/**
 * Posts one fresh entry; the acknowledgement, or undefined when it was not acknowledged. A request
 * left without any answer for 20 s fails the test (a connection nobody serves).
 */
async function append(url: string, signer = newSigner()): Promise<Acked | undefined> {
  let r: Response;
  try {
    r = await fetch(`${url}/api/v1/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hashedRekord(signer)),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') throw new Error('an append had no answer within 20 s');
    return undefined; // the connection broke: not acknowledged
  }
  if (r.status !== 201) {
    await r.body?.cancel();
    return undefined;
  }
  const [uuid, v] = Object.entries(
    (await r.json()) as Record<
      string,
      {
        logIndex: number;
        body: string;
        verification: { inclusionProof: { treeSize: number; rootHash: string; hashes: string[] } };
      }
    >,
  )[0]!;
  const p = v.verification.inclusionProof;
  return {
    uuid,
    logIndex: v.logIndex,
    body: v.body,
    treeSize: p.treeSize,
    rootHash: p.rootHash,
    hashes: p.hashes,
  };
}

/**
 * Posts one fresh entry on a new connection (Connection: close); its status, 0 when the connection
 * closed without an answer, or 'no answer' when none came within `waitMs`.
 */
async function appendOnNewConnection(
  url: string,
  signer: Signer,
  waitMs = 15_000,
): Promise<number | 'no answer'> {
  const body = JSON.stringify(hashedRekord(signer));
  const r = await rawHttp(
    url,
    `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    waitMs,
  );
  if (!r.closed) return 'no answer';
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(r.reply)?.[1] ?? 0);
}

async function dbCount(url: string): Promise<{ n: number; lo: number; hi: number; size: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(
      'SELECT count(*)::int AS n, min(log_index)::int AS lo, max(log_index)::int AS hi FROM entries',
    );
    const st = await c.query('SELECT tree_size::int AS s FROM tree_state WHERE active');
    return { ...rows[0], size: st.rows[0].s };
  } finally {
    await c.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function workersOf(server: SpawnedServer): number[] {
  return childrenOf(server.child.pid!);
}

/** The workers that have logged `scriba listening` (serving; needs LOG_LEVEL=info). */
function servingPids(server: SpawnedServer): Set<number> {
  const pids = server
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"scriba listening"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
  return new Set(pids);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scriba serve --workers', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  describe('with 2 workers on PostgreSQL', () => {
    let server: SpawnedServer;
    let dbUrl: string;
    const acked: Acked[] = [];

    beforeAll(async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      dbUrl = db.url;
      cleanup.push(db.drop, dir.remove);
      // No SCRIBA_LOG_KEY: the key is created on this first start, once, for both workers.
      server = await spawnServer(
        // Info level: each worker logs `scriba listening` once it serves (servingPids).
        { DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path, SCRIBA_BATCH_MAX_SIZE: '16', LOG_LEVEL: 'info' },
        ['--workers', '2'],
      );
      cleanup.push(async () => {
        await server.stop('SIGKILL');
      });
      await waitFor('2 workers', () => workersOf(server).length === 2);
    });

    it('both workers serve reads and appends, under one key', async () => {
      const [a, b] = workersOf(server) as [number, number];
      const before = [cpuSeconds(a), cpuSeconds(b)];
      const keys = new Set<string>();
      const signer = newSigner();
      // Each client's connection is handed to a worker in turn; 8 clients reach both.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 20; i++) {
            const e = await append(server.url, signer);
            expect(e).toBeDefined();
            acked.push(e!);
            const r = await fetch(`${server.url}/api/v1/log/entries?logIndex=${e!.logIndex}`);
            expect(r.status).toBe(200);
            await r.body?.cancel();
            keys.add(await (await fetch(`${server.url}/api/v1/log/publicKey`)).text());
          }
        }),
      );
      expect(keys.size).toBe(1);
      const after = [cpuSeconds(a), cpuSeconds(b)];
      // Both did real work (an idle worker uses no CPU tick, 10 ms, in a second; each took ~80 appends).
      expect(after[0]! - before[0]!).toBeGreaterThan(0.03);
      expect(after[1]! - before[1]!).toBeGreaterThan(0.03);
    });

    it('the appends of both workers form one tree: contiguous, and every proof verifies', async () => {
      const n = acked.length;
      expect([...acked.map((e) => e.logIndex)].sort((x, y) => x - y)).toEqual(
        Array.from({ length: n }, (_, i) => i),
      );
      expect(await dbCount(dbUrl)).toEqual({ n, lo: 0, hi: n - 1, size: n });
      const head = (await (await fetch(`${server.url}/api/v1/log`)).json()) as {
        treeSize: number;
        rootHash: string;
      };
      expect(head.treeSize).toBe(n);
      for (const e of acked) {
        verifyInclusion(
          e.logIndex,
          e.treeSize,
          hashLeaf(Buffer.from(e.body, 'base64')),
          e.hashes.map(fromHex),
          fromHex(e.rootHash),
        );
      }
      // Every checkpoint either worker acknowledged with is a prefix of the final tree.
      for (const [size, root] of new Map(acked.map((e) => [e.treeSize, e.rootHash]))) {
        if (size === head.treeSize) {
          expect(root).toBe(head.rootHash);
          continue;
        }
        const p = (await (
          await fetch(`${server.url}/api/v1/log/proof?firstSize=${size}&lastSize=${head.treeSize}`)
        ).json()) as { hashes: string[] };
        verifyConsistency(size, head.treeSize, p.hashes.map(fromHex), fromHex(root), fromHex(head.rootHash));
      }
    });

    it('a worker killed (SIGKILL) under load is restarted, and nothing acknowledged is lost', async () => {
      const [victim] = workersOf(server) as [number];
      const signer = newSigner();
      const during: Acked[] = [];
      const stopAt = Date.now() + 4_000;
      const load = Promise.all(
        Array.from({ length: 8 }, async () => {
          while (Date.now() < stopAt) {
            const e = await append(server.url, signer);
            if (e) during.push(e);
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 1_000));
      process.kill(victim, 'SIGKILL');
      await load;
      // The supervisor forks a replacement; the log keeps serving.
      await waitFor('a replacement worker', () => {
        const now = workersOf(server);
        return now.length === 2 && !now.includes(victim);
      });
      expect(server.output()).toMatch(
        /worker \d \(pid \d+\) exited with signal SIGKILL; restarting in \d+ ms/,
      );
      await waitFor('the replacement to answer', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, () => append(server.url, signer).then((e) => e && during.push(e))),
        );
        return results.every((x) => x);
      });
      expect(during.length).toBeGreaterThan(20);
      // Every acknowledged entry is in the log at its index.
      for (const e of during) {
        const r = await fetch(`${server.url}/api/v1/log/entries/${e.uuid}`);
        expect(r.status).toBe(200);
        const got = Object.values((await r.json()) as Record<string, { logIndex: number }>)[0]!;
        expect(got.logIndex).toBe(e.logIndex);
      }
      const total = acked.length + during.length;
      const counts = await dbCount(dbUrl);
      // Requests cut off by the kill may have committed without an answer reaching the client.
      expect(counts.n).toBeGreaterThanOrEqual(total);
      expect(counts).toEqual({ n: counts.n, lo: 0, hi: counts.n - 1, size: counts.n });
    });

    it('connections handed to a worker that dies before taking them are closed, not held', async () => {
      const signer = newSigner();
      for (let round = 0; round < 2; round++) {
        await waitFor('2 workers serving', () => {
          const now = workersOf(server);
          return now.length === 2 && now.every((pid) => servingPids(server).has(pid));
        });
        const [victim] = workersOf(server) as [number];
        // Stopped, the worker leaves the connections handed to it unread in its channel; then it dies.
        // node:cluster's round robin kept its copy of each such connection open forever.
        process.kill(victim, 'SIGSTOP');
        const answers = Array.from({ length: 8 }, () => appendOnNewConnection(server.url, signer));
        await new Promise((r) => setTimeout(r, 300));
        process.kill(victim, 'SIGKILL');
        const statuses = await Promise.all(answers);
        // The other worker's are appended; the dead worker's are closed (0) for the client to retry.
        expect(statuses.filter((x) => x !== 201 && x !== 0)).toEqual([]);
        expect(statuses).toContain(201);
        expect(statuses).toContain(0);
      }
    });
  });

  describe('on SIGTERM or SIGINT', () => {
    it.each(['SIGTERM', 'SIGINT'] as const)(
      '%s: every worker answers what it accepted, commits it, and the supervisor exits 0',
      async (signal) => {
        const db = await createTestDatabase();
        const dir = await tempDir();
        cleanup.push(db.drop, dir.remove);
        // A batch wait holds the appends in the workers' queues when the signal arrives.
        const server = await spawnServer(
          { DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path, SCRIBA_BATCH_MAX_WAIT_MS: '400' },
          ['--workers', '2'],
        );
        cleanup.push(async () => {
          await server.stop('SIGKILL');
        });
        await waitFor('2 workers', () => workersOf(server).length === 2);
        const workers = workersOf(server);
        const signer = newSigner();
        const pending = Array.from({ length: 20 }, () => postEntry(server.url, hashedRekord(signer)));
        await new Promise((r) => setTimeout(r, 150));
        const stoppedAt = Date.now();
        const code = await server.stop(signal);
        // Idle keep-alive connections are closed by the drain, not held to its 30 s bound.
        expect(Date.now() - stoppedAt).toBeLessThan(10_000);
        const statuses = await Promise.all(pending.map((p) => p.then((r) => r.status)));
        expect(statuses).toEqual(Array(20).fill(201));
        expect(code).toBe(0);
        expect((await dbCount(db.url)).n).toBe(20);
        for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
        expect(server.output()).not.toMatch(/\n\s+at /);
      },
    );
  });

  describe('when the supervisor is killed (SIGKILL)', () => {
    it('every worker answers what it holds, commits it and exits: no orphan stays', async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      cleanup.push(db.drop, dir.remove);
      const server = await spawnServer(
        { DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path, SCRIBA_BATCH_MAX_WAIT_MS: '400' },
        ['--workers', '2'],
      );
      cleanup.push(async () => {
        await server.stop('SIGKILL');
      });
      await waitFor('2 workers', () => workersOf(server).length === 2);
      const workers = workersOf(server);
      const signer = newSigner();
      // A batch wait holds these appends in the workers' queues when the supervisor dies.
      const pending = Array.from({ length: 10 }, () => append(server.url, signer));
      await new Promise((r) => setTimeout(r, 150));
      await server.stop('SIGKILL');
      // Before: node:cluster ended each worker at once, and these connections closed unanswered.
      const acked = await Promise.all(pending);
      expect(acked.filter((e) => e === undefined)).toHaveLength(0);
      // Orphaned workers would keep their database connections (and the data directory) forever.
      await waitFor('the workers to exit', () => workers.every((pid) => !alive(pid)), 40_000);
      expect((await dbCount(db.url)).n).toBe(10);
      await expect(fetch(`${server.url}/api/v1/log`)).rejects.toThrow('fetch failed');
    }, 60_000);
  });

  describe('what it refuses', () => {
    it('more than one worker on the embedded database: SERVE_WORKERS_EMBEDDED, exit 2, one line', async () => {
      const dir = await tempDir();
      cleanup.push(dir.remove);
      const r = await runToExit(['--workers', '2'], {
        DATABASE_URL: '',
        SCRIBA_DATA_DIR: dir.path,
        PORT: String(await freePort()),
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^scriba serve: error SERVE_WORKERS_EMBEDDED: 2 workers need PostgreSQL/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });

    it.each([
      [['--workers', '0'], {}],
      [['--workers', 'two'], {}],
      [['--workers', '1.5'], {}],
      [['--workers', '100000'], {}],
      [[], { SCRIBA_WORKERS: '-1' }],
    ])('a bad count (%j %j): configuration error, exit 2, one line', async (args, env) => {
      const db = await createTestDatabase();
      cleanup.push(db.drop);
      const r = await runToExit(args, { DATABASE_URL: db.url, PORT: String(await freePort()), ...env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^scriba serve: configuration error: SCRIBA_WORKERS \(--workers\) must be auto or 1 to 256/,
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });

    it('workers that cannot start: SERVE_WORKERS_FAILED after 3 in a row, exit 2 (their configuration), no stack trace', async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      cleanup.push(db.drop, dir.remove);
      // The v2 Ed25519 key is read by each worker's server, not by the supervisor's first-start work.
      const r = await runToExit(['--workers', '2'], {
        DATABASE_URL: db.url,
        SCRIBA_DATA_DIR: dir.path,
        SCRIBA_LOG_ED25519_KEY: `${dir.path}/missing-ed25519.pem`,
        PORT: String(await freePort()),
      });
      // Exit 2: the workers' own failure was a configuration error.
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(
        /^scriba serve: error SERVE_WORKERS_FAILED: 3 worker starts in a row failed \(last: configuration error: .*missing-ed25519\.pem.*\); giving up$/,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(lines.every((l) => l.startsWith('scriba serve: '))).toBe(true);
    });

    it('a port that is taken: the supervisor cannot start, exit 1, one line, no worker started', async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      cleanup.push(db.drop, dir.remove);
      const blocker = createServer();
      const port = await freePort();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      try {
        const r = await runToExit(['--workers', '2'], {
          DATABASE_URL: db.url,
          SCRIBA_DATA_DIR: dir.path,
          PORT: String(port),
        });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^scriba serve: cannot start: listen EADDRINUSE.*\n$/);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        blocker.close();
      }
    });
  });
});

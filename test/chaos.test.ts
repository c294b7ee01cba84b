/**
 * Chaos test (issue 9): two `scriba serve` processes on one PostgreSQL under append load, with no
 * supervisor, while one server is killed (-9) and restarted, PostgreSQL is restarted cleanly (fast
 * shutdown) and crashed (immediate shutdown, recovery at start), and the other server is killed and
 * restarted. Afterwards both servers serve; every acknowledged (201) entry is at its index with an
 * inclusion proof that verifies; every checkpoint a client received (in a 201 or from
 * /api/v2/checkpoint) is consistent with the final tree (SDK consistency proofs). Bounded to about two
 * minutes; its figures go to the console.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hexDecode, hexEncode } from '@scriba/sdk/encoding';
import { verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { parseCheckpoint } from '@scriba/sdk/note';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLogKeyPem } from '../packages/server/src/keys/logKey.js';
import { hashedRekord, newSigner, postEntry } from './helpers/entries.js';
import { PG_BIN, type PgProcess, pgProcess } from './helpers/pg-process.js';
import { freePort } from './helpers/ports.js';
import { type SpawnedServer, spawnServer, tempDir, waitReady } from './helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Acked = { uuid: string; index: number; size: number; root: string; hashes: string[] };

describe.skipIf(!existsSync(join(PG_BIN, 'postgres')))(
  'chaos: two servers, kill -9 and PostgreSQL restarts',
  () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const c of cleanup.reverse()) await c().catch(() => {});
    });

    it('keeps every acknowledged entry at its index and every checkpoint consistent', async () => {
      const pgp: PgProcess = await pgProcess();
      cleanup.push(() => pgp.remove());
      await pgp.start();
      const dir = await tempDir('scriba-chaos-');
      cleanup.push(dir.remove);
      const keyPath = join(dir.path, 'log-key.pem');
      await writeFile(keyPath, generateLogKeyPem(), { mode: 0o600 });
      const ports = [await freePort(), await freePort()];
      const envOf = (i: number) => ({
        DATABASE_URL: pgp.url,
        SCRIBA_DATA_DIR: join(dir.path, `s${i}`),
        SCRIBA_LOG_KEY: keyPath,
        SCRIBA_PUBLIC_URL: 'http://chaos.scriba.test',
        SCRIBA_DB_POOL_MAX: '4',
        SCRIBA_DB_CONNECT_TIMEOUT_MS: '2000',
        SCRIBA_DB_STATEMENT_TIMEOUT_MS: '5000',
        SCRIBA_DB_START_TIMEOUT_MS: '60000',
        PORT: String(ports[i]),
      });
      const servers: SpawnedServer[] = [await spawnServer(envOf(0)), await spawnServer(envOf(1))];
      cleanup.push(async () => {
        for (const s of servers) await s.stop('SIGKILL');
      });
      const urls = servers.map((s) => s.url);

      const acked: Acked[] = [];
      const seen = new Map<number, Set<string>>(); // checkpoint size -> root hashes (hex) received
      const see = (size: number, root: string) => {
        if (!seen.has(size)) seen.set(size, new Set());
        seen.get(size)!.add(root);
      };
      const counts = { refused503: 0, networkErrors: 0, other: new Map<number, number>() };
      const signer = newSigner();
      let stop = false;
      const writer = async (url: string) => {
        while (!stop) {
          let r: Response;
          try {
            r = await fetch(`${url}/api/v1/log/entries`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(hashedRekord(signer)),
              signal: AbortSignal.timeout(30_000),
            });
          } catch {
            counts.networkErrors++; // server killed or restarting: nothing acknowledged
            await sleep(100);
            continue;
          }
          if (r.status === 201) {
            const body = (await r.json()) as Record<
              string,
              {
                logIndex: number;
                verification: { inclusionProof: { treeSize: number; rootHash: string; hashes: string[] } };
              }
            >;
            const [uuid, v] = Object.entries(body)[0]!;
            const p = v.verification.inclusionProof;
            acked.push({ uuid, index: v.logIndex, size: p.treeSize, root: p.rootHash, hashes: p.hashes });
            see(p.treeSize, p.rootHash);
          } else {
            await r.arrayBuffer();
            if (r.status === 503) {
              counts.refused503++;
              await sleep(50);
            } else counts.other.set(r.status, (counts.other.get(r.status) ?? 0) + 1);
          }
        }
      };
      const reader = async () => {
        while (!stop) {
          for (const url of urls) {
            try {
              const r = await fetch(`${url}/api/v2/checkpoint`, { signal: AbortSignal.timeout(30_000) });
              if (r.status === 200) {
                const note = await r.text();
                const cp = parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1));
                see(cp.size, hexEncode(cp.rootHash));
              } else await r.arrayBuffer();
            } catch {
              // killed or restarting
            }
          }
          await sleep(200);
        }
      };
      const load = [...urls.flatMap((u) => [writer(u), writer(u), writer(u), writer(u)]), reader()];

      const events: string[] = [];
      const restartServer = async (i: number) => {
        await servers[i]!.stop('SIGKILL');
        events.push(`kill -9 server ${i}`);
        await sleep(500);
        servers[i] = await spawnServer(envOf(i));
      };
      await sleep(4000);
      await restartServer(0);
      await sleep(4000);
      await pgp.stop('SIGINT');
      events.push('PostgreSQL fast restart');
      await sleep(1500);
      await pgp.start();
      await sleep(4000);
      await pgp.stop('SIGQUIT');
      events.push('PostgreSQL crash (immediate shutdown) and recovery');
      await sleep(1500);
      await pgp.start();
      await sleep(4000);
      await restartServer(1);
      await sleep(4000);
      stop = true;
      await Promise.all(load);

      // Both servers survived PostgreSQL's restarts (no supervisor) and still serve.
      for (const s of servers) {
        expect(s.child.exitCode).toBeNull();
        await waitReady(s.url);
        expect((await postEntry(s.url, hashedRekord(signer))).status).toBe(201);
      }
      expect([...counts.other.keys()]).toEqual([]);
      expect(acked.length).toBeGreaterThan(0);

      // The final tree, as both servers see it.
      const infos = await Promise.all(
        urls.map(
          async (u) =>
            (await (await fetch(`${u}/api/v1/log`)).json()) as { treeSize: number; rootHash: string },
        ),
      );
      expect(infos[1]).toEqual(infos[0]);
      const final = infos[0]!;

      // Every acknowledged entry is at its index, and its inclusion proof verifies.
      const db = new pg.Client({ connectionString: pgp.url });
      await db.connect();
      const { rows } = await db.query<{ i: string; h: string }>(
        "SELECT log_index::text AS i, encode(leaf_hash, 'hex') AS h FROM entries ORDER BY log_index",
      );
      await db.end();
      expect(rows.length).toBe(final.treeSize);
      // Contiguous from 0.
      for (const [i, r] of rows.entries()) expect(Number(r.i)).toBe(i);
      for (const a of acked) {
        const leaf = a.uuid.slice(-64);
        expect(rows[a.index]?.h).toBe(leaf);
        verifyInclusion(a.index, a.size, hexDecode(leaf), a.hashes.map(hexDecode), hexDecode(a.root));
      }
      // No entry is stored twice.
      expect(new Set(rows.map((r) => r.h)).size).toBe(rows.length);

      // Every checkpoint received is consistent with the final tree.
      const pairs = [...seen.entries()].flatMap(([size, roots]) =>
        [...roots].map((root) => ({ size, root })),
      );
      let checked = 0;
      for (let k = 0; k < pairs.length; k += 8) {
        await Promise.all(
          pairs.slice(k, k + 8).map(async ({ size, root }, j) => {
            expect(size).toBeLessThanOrEqual(final.treeSize);
            if (size === final.treeSize) {
              expect(root).toBe(final.rootHash);
            } else if (size > 0) {
              const r = await fetch(
                `${urls[j % 2]}/api/v1/log/proof?firstSize=${size}&lastSize=${final.treeSize}`,
              );
              const proof = (await r.json()) as { rootHash: string; hashes: string[] };
              expect(proof.rootHash).toBe(final.rootHash);
              verifyConsistency(
                size,
                final.treeSize,
                proof.hashes.map(hexDecode),
                hexDecode(root),
                hexDecode(final.rootHash),
              );
            }
            checked++;
          }),
        );
      }
      const sizesWithTwoRoots = [...seen.values()].filter((r) => r.size > 1).length;
      expect(sizesWithTwoRoots).toBe(0);

      const figures = {
        events,
        acknowledgedEntries: acked.length,
        answered503: counts.refused503,
        networkErrorsDuringKills: counts.networkErrors,
        finalTreeSize: final.treeSize,
        checkpointsChecked: checked,
      };
      console.log(`chaos figures: ${JSON.stringify(figures)}`);
    }, 180_000);
  },
);

/**
 * `scriba shard export` (issue 11, "a frozen shard can leave the database"), end to end on a real
 * PostgreSQL: a log rotates, its frozen shard is exported, the files are served by a plain static
 * file server (test/helpers/static-server.ts, which knows nothing of Scriba), and the SDK's tile client
 * verifies every entry against the final checkpoint from there, as does `scriba monitor`. The files
 * are byte for byte what the log serves under /api/v2/shards/<treeId>/. A tampered tile, bundle or
 * checkpoint of the mirror is detected; the active shard, an unknown one, a non-empty directory and a
 * damaged database are refused with one line each.
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isScribaError } from '@scriba/sdk';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { hashLeaf, verifyInclusion } from '@scriba/sdk/merkle';
import {
  type NoteVerifier,
  noteVerifierFromPublicKey,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
} from '@scriba/sdk/note';
import { decodeEntryBundle, encodeEntryBundle } from '@scriba/sdk/tiles';
import { TileClient } from '@scriba/sdk/tiles/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { startTestLog } from '../../../test/helpers/server.js';
import { rotateShard } from '../../../test/helpers/shard-rotate.js';
import { type StaticServer, startStaticServer } from '../../../test/helpers/static-server.js';
import { checkpointEd25519 } from '../../server/src/keys/checkpointEd25519.js';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../../server/src/keys/logKey.js';
import type { RunningServer } from '../../server/src/main.js';
import { scriba } from './helpers/cli.js';

/** Entries in the frozen shard: a full level-0 tile and bundle, then partial ones of width 44. */
const N = 300;

let server: RunningServer;
let databaseUrl: string;
let dataDir: string;
let www: string;
let web: StaticServer;
let frozen: string;
let active: string;
let frozenOrigin: string;
let edVkey: string;
let verifiers: NoteVerifier[];
const cleanups: (() => Promise<unknown>)[] = [];

/** `scriba shard export` on the test log's database, as an operator runs it. */
const exportShard = (treeId: string, out: string, ...more: string[]) =>
  scriba(
    'shard',
    'export',
    '--tree-id',
    treeId,
    '--out',
    out,
    '--database-url',
    databaseUrl,
    '--data-dir',
    dataDir,
    ...more,
  );

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
  }
  return out.sort();
}

/**
 * What a tile client does with a mirror: the checkpoint's signatures, the root rebuilt from tiles,
 * then every entry: its leaf hash against its tile, its inclusion proof (built from the mirror's
 * tiles) against the checkpoint's root. Returns the number of entries verified.
 */
async function verifyMirror(prefix: string): Promise<number> {
  const client = TileClient.http(prefix);
  const { checkpoint } = await client.fetchCheckpoint(verifiers);
  await client.verifyCheckpointRoot(checkpoint);
  let n = 0;
  for await (const e of client.entries(0, checkpoint.size, checkpoint.size, { checkLeafHashes: true })) {
    const proof = await client.inclusionProof(e.index, checkpoint.size);
    verifyInclusion(e.index, checkpoint.size, hashLeaf(e.data), proof, checkpoint.rootHash);
    n++;
  }
  return n;
}

beforeAll(async () => {
  const log = await startTestLog({
    database: 'scriba_shard_export',
    dirPrefix: 'scriba-shard-export-',
    env: (dir) => ({ SCRIBA_DATA_DIR: join(dir, 'log') }),
  });
  cleanups.push(log.stop);
  server = log.server;
  databaseUrl = log.databaseUrl;
  dataDir = join(log.dir, 'log');
  www = join(log.dir, 'www');
  const signer = newSigner();
  for (let done = 0; done < N; done += 30) {
    const rs = await Promise.all(
      Array.from({ length: 30 }, () => postEntry(server.url, hashedRekord(signer))),
    );
    for (const r of rs) expect(r.status).toBe(201);
  }
  frozenOrigin = server.log.signer.origin;
  ({ frozen, active } = await rotateShard(server));
  edVkey = (await (await fetch(`${server.url}/api/v2/log/vkeys`)).text()).split('\n')[0]!;
  verifiers = [
    noteVerifierFromPublicKey(server.log.signer.name, parsePublicKey(server.log.key.spki)),
    parseVerifierKey(edVkey),
  ];
  web = await startStaticServer(www);
  cleanups.unshift(() => web.close());
});

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe('scriba shard export', () => {
  describe('when the shard is frozen', () => {
    const out = () => join(www, 'mirror', 'api', 'v2');
    const prefix = () => `${web.url}/mirror/api/v2`;

    it('writes its tiles, entry bundles and final checkpoint and exits 0', async () => {
      const r = await exportShard(frozen, out());
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`exported frozen shard ${frozen} (${frozenOrigin}): size ${N}`);
      expect(await files(out())).toEqual([
        'checkpoint',
        'tile/0/000',
        'tile/0/001.p/44',
        'tile/1/000.p/1',
        'tile/entries/000',
        'tile/entries/001.p/44',
      ]);
    });

    it('wrote byte for byte what the log serves under the shard prefix', async () => {
      for (const path of await files(out())) {
        const served = await fetch(`${server.url}/api/v2/shards/${frozen}/${path}`, {
          headers: { 'accept-encoding': 'identity' },
        });
        expect(served.status).toBe(200);
        expect(new Uint8Array(await readFile(join(out(), path)))).toEqual(
          new Uint8Array(await served.arrayBuffer()),
        );
      }
      const cp = parseCheckpoint(parseNote(await readFile(join(out(), 'checkpoint'), 'utf8')).text);
      expect([cp.origin, cp.size]).toEqual([frozenOrigin, N]);
    });

    it('the tile client verifies every entry against the final checkpoint from a plain static server', async () => {
      web.paths.length = 0;
      expect(await verifyMirror(prefix())).toBe(N);
      // Everything came from the static server, by plain paths.
      expect(web.paths.length).toBeGreaterThan(0);
      expect(web.paths.every((p) => p.startsWith('/mirror/api/v2/'))).toBe(true);
    });

    it('scriba monitor verifies it from the static server', async () => {
      const r = await scriba('monitor', '--url', prefix(), '--vkey', edVkey, '--once', '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const checkpoint = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; size?: number; origin?: string })
        .find((e) => e.event === 'checkpoint');
      expect(checkpoint).toMatchObject({ origin: frozenOrigin, size: N });
    });

    it('refuses to write into a directory that is not empty, with one line (exit 2)', async () => {
      const r = await exportShard(frozen, out());
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error OUT_NOT_EMPTY: --out \S+ is not empty[^\n]*\n$/);
    });
  });

  describe('when an exported file is tampered with', () => {
    const HASH = 32;
    const flip = (b: Uint8Array, at: number) => {
      b[at] = (b[at] ?? 0) ^ 0x01;
    };
    it.each([
      [
        'a hash in a full level-0 tile',
        'MERKLE_ROOT_MISMATCH',
        false,
        async (d: string) => {
          const t = await readFile(join(d, 'tile/0/000'));
          flip(t, 10 * HASH);
          await writeFile(join(d, 'tile/0/000'), t);
        },
      ],
      [
        'a hash in the partial level-0 tile',
        'MERKLE_ROOT_MISMATCH',
        false,
        async (d: string) => {
          const t = await readFile(join(d, 'tile/0/001.p/44'));
          flip(t, 3 * HASH + 5);
          await writeFile(join(d, 'tile/0/001.p/44'), t);
        },
      ],
      [
        'the upper-level tile',
        'MERKLE_ROOT_MISMATCH',
        false,
        async (d: string) => {
          const t = await readFile(join(d, 'tile/1/000.p/1'));
          flip(t, 0);
          await writeFile(join(d, 'tile/1/000.p/1'), t);
        },
      ],
      [
        'an entry in a bundle',
        'MERKLE_ROOT_MISMATCH',
        true,
        async (d: string) => {
          const b = await readFile(join(d, 'tile/entries/000'));
          flip(b, b.length - 1);
          await writeFile(join(d, 'tile/entries/000'), b);
        },
      ],
      [
        'an entry and its level-0 tile hash, consistently',
        'MERKLE_ROOT_MISMATCH',
        true,
        async (d: string) => {
          const entries = decodeEntryBundle(new Uint8Array(await readFile(join(d, 'tile/entries/000'))));
          flip(entries[5]!, 0);
          await writeFile(join(d, 'tile/entries/000'), encodeEntryBundle(entries));
          const t = new Uint8Array(await readFile(join(d, 'tile/0/000')));
          t.set(hashLeaf(entries[5]!), 5 * HASH);
          await writeFile(join(d, 'tile/0/000'), t);
        },
      ],
      [
        "the checkpoint's root hash",
        'NOTE_INVALID_SIGNATURE',
        true,
        async (d: string) => {
          const text = await readFile(join(d, 'checkpoint'), 'utf8');
          const lines = text.split('\n');
          const root = Buffer.from(lines[2]!, 'base64');
          flip(root, 0);
          lines[2] = root.toString('base64');
          await writeFile(join(d, 'checkpoint'), lines.join('\n'));
        },
      ],
    ])(
      '%s is detected by the tile client (and by scriba monitor when entries or the checkpoint change)',
      async (what, code, monitorSees, tamper) => {
        const name = `tampered-${what.replace(/[^a-z0-9]+/gi, '-')}`;
        const dir = join(www, name, 'api', 'v2');
        await cp(join(www, 'mirror', 'api', 'v2'), dir, { recursive: true });
        await tamper(dir);
        const prefix = `${web.url}/${name}/api/v2`;
        const failure = await verifyMirror(prefix).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isScribaError(failure)).toBe(true);
        expect((failure as { code: string }).code).toBe(code);
        // The monitor checks the checkpoint and hashes every entry into its root: it reads the mirror's
        // entries, not its tiles (a client proving inclusion from tampered tiles fails, as above).
        if (monitorSees) {
          const r = await scriba('monitor', '--url', prefix, '--vkey', edVkey, '--once', '--json');
          expect(r.code).toBe(1);
          expect(r.stdout).toContain('"event":"failure"');
        }
      },
    );
  });

  describe('when the shard cannot be exported', () => {
    it('refuses the active shard with one line (exit 2) and writes nothing', async () => {
      const out = join(www, 'active');
      const r = await exportShard(active, out);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error SHARD_ACTIVE: shard \d+ is the active shard[^\n]*\n$/);
      expect(await files(out).catch(() => [])).toEqual([]);
    });

    it.each([
      [
        'an unknown tree id',
        () => ['--tree-id', '12345', '--out', join(www, 'never')],
        /^error NO_SUCH_SHARD: /,
      ],
      [
        'a tree id that is not a number',
        () => ['--tree-id', 'abc', '--out', join(www, 'never')],
        /^error USAGE: --tree-id/,
      ],
      ['no --out', () => ['--tree-id', frozen], /^error USAGE: --out/],
    ])('refuses %s with one line (exit 2)', async (_what, args, message) => {
      const r = await scriba(
        'shard',
        'export',
        ...args(),
        '--database-url',
        databaseUrl,
        '--data-dir',
        dataDir,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });

    it('refuses to publish a shard whose stored entries do not hash to its tiles (exit 1, no checkpoint)', async () => {
      // A compact stored body (sql/0007) with a byte more: refused when storage expands it.
      await server.db.query(
        "UPDATE entries SET body = body || '\\x00'::bytea WHERE tree_id = $1::bigint AND log_index = 7",
        [frozen],
      );
      const out = join(www, 'damaged');
      const r = await exportShard(frozen, out);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error SHARD_DATA_MISMATCH: entry 7: stored entry body: trailing bytes\n$/);
      expect(await files(out)).not.toContain('checkpoint');
      // A body stored as it is, but not the entry's: refused against the level-0 tile.
      await server.db.query(
        `UPDATE entries SET body = convert_to('{"apiVersion":"0.0.1"}', 'UTF8') WHERE tree_id = $1::bigint AND log_index = 7`,
        [frozen],
      );
      const out2 = join(www, 'damaged-raw');
      const r2 = await exportShard(frozen, out2);
      expect(r2.code).toBe(1);
      expect(r2.stderr).toMatch(
        /^error SHARD_DATA_MISMATCH: entry 7 does not hash to its level-0 tile hash\n$/,
      );
      expect(await files(out2)).not.toContain('checkpoint');
    });
  });

  describe('when the frozen shard was signed with another key of the keyring', () => {
    let other: string;
    let otherKey: LogKey;
    let otherKeyPath: string;

    beforeAll(async () => {
      otherKeyPath = join(www, '..', 'other-key.pem');
      const pem = generateLogKeyPem();
      await writeFile(otherKeyPath, pem, { mode: 0o600 });
      otherKey = parseLogKeyPem(pem, otherKeyPath);
      // A shard with the other key, frozen empty by the next rotation (back to the log key).
      const primary = server.log.keyring.primary;
      other = (await server.log.rotate({ key: otherKey })).active.treeId;
      await server.log.rotate({ key: primary });
    });

    it('is refused without that key, with one line (exit 2)', async () => {
      const r = await exportShard(other, join(www, 'other-refused'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^error SHARD_KEY_MISSING: shard \d+ is signed with log ID [0-9a-f]{64}[^\n]*\n$/,
      );
    });

    it('is exported with SCRIBA_SHARD_KEYS, empty, and verifies with that key from the static server', async () => {
      const saved = process.env.SCRIBA_SHARD_KEYS;
      process.env.SCRIBA_SHARD_KEYS = otherKeyPath;
      let r: Awaited<ReturnType<typeof exportShard>>;
      try {
        r = await exportShard(other, join(www, 'other', 'api', 'v2'));
      } finally {
        if (saved === undefined) delete process.env.SCRIBA_SHARD_KEYS;
        else process.env.SCRIBA_SHARD_KEYS = saved;
      }
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(await files(join(www, 'other', 'api', 'v2'))).toEqual(['checkpoint']);
      const ed = await checkpointEd25519(otherKey, server.log.signer.name);
      const client = TileClient.http(`${web.url}/other/api/v2`);
      const { checkpoint, verified } = await client.fetchCheckpoint([
        noteVerifierFromPublicKey(server.log.signer.name, parsePublicKey(otherKey.spki)),
        parseVerifierKey(ed.vkey),
      ]);
      expect(verified).toHaveLength(2);
      expect([checkpoint.origin, checkpoint.size]).toEqual([`${server.log.signer.name} - ${other}`, 0]);
      await client.verifyCheckpointRoot(checkpoint);
    });
  });
});

/**
 * The log pushes checkpoints to witnesses in the background: a witness that is down or hangs never
 * blocks or slows appends; a witness that lost track (409) is resynchronized with a consistency proof;
 * cosignatures that do not verify with the configured witness key are dropped; verified ones are
 * served appended to the checkpoint.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  formatVerifierKey,
  NOTE_KEY_TYPE_COSIGNATURE_V1,
  parseVerifierKey,
  verifyNote,
} from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { freePort } from '../../../test/helpers/ports.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { startTestWitness } from '../../../test/helpers/witness.js';
import { createWitnessServer, type WitnessServer } from '../../witness/src/index.js';
import { ConfigError } from '../src/config.js';
import { parseWitnesses, type WitnessEndpoint, WitnessPusher } from '../src/log/witness-push.js';
import type { RunningServer } from '../src/main.js';

/** A valid Ed25519 public key (a random 32-byte string is not always a curve point). */
function randomEd25519(): Uint8Array {
  return new Uint8Array(
    generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }),
  ).slice(-32);
}

let server: RunningServer;
let hanging: Server;
let hangingUrl: string;
let witness: WitnessServer;
let witnessUrl: string;
const cleanups: (() => Promise<void>)[] = [];
const ORIGIN = '127.0.0.1/scriba-push-test';

beforeAll(async () => {
  const dir = await tempDir('scriba-push-');
  cleanups.push(dir.remove);
  // A witness that accepts connections and never answers.
  hanging = createServer(() => undefined);
  const hport = await freePort();
  await new Promise<void>((r) => hanging.listen(hport, '127.0.0.1', () => r()));
  hangingUrl = `http://127.0.0.1:${hport}`;
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        hanging.closeAllConnections();
        hanging.close(() => r());
      }),
  );
  const db = await createTestDatabase('scriba_push');
  cleanups.push(db.drop);
  // The server's own background pusher targets the hanging witness for the whole file.
  const saved = {
    w: process.env.SCRIBA_WITNESSES,
    i: process.env.SCRIBA_WITNESS_INTERVAL_MS,
    t: process.env.SCRIBA_WITNESS_TIMEOUT_MS,
  };
  process.env.SCRIBA_WITNESSES = `${hangingUrl} ${formatVerifierKey('hang.example/w', NOTE_KEY_TYPE_COSIGNATURE_V1, randomEd25519())}`;
  process.env.SCRIBA_WITNESS_INTERVAL_MS = '20';
  process.env.SCRIBA_WITNESS_TIMEOUT_MS = '10000';
  cleanups.push(async () => {
    for (const [k, v] of [
      ['SCRIBA_WITNESSES', saved.w],
      ['SCRIBA_WITNESS_INTERVAL_MS', saved.i],
      ['SCRIBA_WITNESS_TIMEOUT_MS', saved.t],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  server = await startTestServer({
    DATABASE_URL: db.url,
    SCRIBA_DATA_DIR: join(dir.path, 'log'),
    SCRIBA_LOG_NAME: '127.0.0.1',
    SCRIBA_ORIGIN: ORIGIN,
  });
  cleanups.push(() => server.close());
  const logVkey = (await (await fetch(`${server.url}/api/v2/log/vkeys`)).text()).trim();
  ({ witness, url: witnessUrl } = await startTestWitness({
    name: 'witness.test/w2',
    database: 'scriba_push_witness',
    dataDir: join(dir.path, 'witness'),
    logVkey,
    origin: ORIGIN,
    cleanups,
  }));
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function pusher(witnesses: WitnessEndpoint[], timeoutMs = 300): WitnessPusher {
  return new WitnessPusher({
    witnesses,
    timeoutMs,
    shards: async () => [
      {
        tree: server.log.tree,
        frozen: false,
        latest: async () => {
          const st = await server.log.state();
          const text = await (await fetch(`${server.url}/api/v2/checkpoint`)).text();
          const note = text.split('\n— witness.')[0]!;
          return { size: st.treeSize, rootHash: st.rootHash, note: note.endsWith('\n') ? note : `${note}\n` };
        },
      },
    ],
  });
}

describe('WitnessPusher', () => {
  describe('when one witness is down and one hangs', () => {
    it('appends are answered while the push round waits, and the round then fails', async () => {
      const down = `http://127.0.0.1:${await freePort()}`;
      // The hanging witness holds the round for the whole timeout: long enough that every append
      // below is answered while the round is still pending, if pushing never blocks appending.
      const p = pusher(
        [
          { url: down, verifier: parseVerifierKey(witness.vkey) },
          { url: hangingUrl, verifier: parseVerifierKey(witness.vkey) },
        ],
        10_000,
      );
      let roundSettled = false;
      const pushing = p.pushOnce().finally(() => {
        roundSettled = true;
      });
      const signer = newSigner();
      for (let i = 0; i < 20; i++) {
        const r = await postEntry(server.url, hashedRekord(signer));
        expect(r.status).toBe(201);
      }
      expect(roundSettled).toBe(false);
      const results = await pushing;
      expect(results.map((r) => r.status)).toEqual(['error', 'error']);
      const { rows } = await server.db.query<{ url: string; last_error: string }>(
        'SELECT url, last_error FROM witness_status ORDER BY url',
      );
      const mine = rows.filter((r) => r.url === down || r.url === hangingUrl);
      expect(mine.map((r) => r.url).sort()).toEqual([down, hangingUrl].sort());
      expect(mine.every((r) => r.last_error.startsWith('unreachable'))).toBe(true);
    });
  });

  describe('when the witness is up', () => {
    it('stores the verified cosignature and serves it with the checkpoint', async () => {
      const p = pusher([{ url: witnessUrl, verifier: parseVerifierKey(witness.vkey) }]);
      const [r] = await p.pushOnce();
      expect(r?.status).toBe(200);
      const text = await (await fetch(`${server.url}/api/v2/checkpoint`)).text();
      const { verified } = await verifyNote(text, [parseVerifierKey(witness.vkey)]);
      expect(verified).toHaveLength(1);
      // A second round with nothing new does not call the witness again.
      const again = await p.pushOnce();
      expect(again[0]?.status).toBe(200);
    });
  });

  describe('when the witness lost track of the log (its recorded size differs)', () => {
    it('resynchronizes from the 409 size with a consistency proof', async () => {
      await server.db.query('UPDATE witness_status SET size = 3 WHERE url = $1', [witnessUrl]);
      const signer = newSigner();
      for (let i = 0; i < 5; i++)
        expect((await postEntry(server.url, hashedRekord(signer))).status).toBe(201);
      const p = pusher([{ url: witnessUrl, verifier: parseVerifierKey(witness.vkey) }]);
      const [r] = await p.pushOnce();
      expect(r?.status).toBe(200);
      expect(r?.size).toBe((await server.log.state()).treeSize);
    });
  });

  describe('when the cosignature does not verify with the configured key', () => {
    it('is dropped and reported', async () => {
      const odir = await tempDir('scriba-push-other-');
      const odb = await createTestDatabase('scriba_push_other');
      cleanups.push(odir.remove, odb.drop);
      const other = await createWitnessServer({
        name: 'witness.test/w2',
        dataDir: odir.path,
        databaseUrl: odb.url,
        logs: [
          { vkeys: [(await (await fetch(`${server.url}/api/v2/log/vkeys`)).text()).trim()], origin: ORIGIN },
        ],
      });
      const port = await freePort();
      await other.app.listen({ host: '127.0.0.1', port });
      try {
        // Configured with the first witness's key, but the URL reaches a witness with another key.
        const p = pusher([{ url: `http://127.0.0.1:${port}`, verifier: parseVerifierKey(witness.vkey) }]);
        const [r] = await p.pushOnce();
        expect(r?.status).toBe('error');
        const { rows } = await server.db.query<{ last_error: string }>(
          'SELECT last_error FROM witness_status WHERE url = $1',
          [`http://127.0.0.1:${port}`],
        );
        expect(rows[0]?.last_error).toContain('does not verify');
      } finally {
        await other.close();
      }
    });
  });
});

describe('parseWitnesses', () => {
  describe('when the list is well-formed', () => {
    it('parses URL and verifier key pairs', () => {
      const list = parseWitnesses(
        ` ${'http://w1.example/'} ${witness.vkey} , http://w2.example ${witness.vkey}`,
      );
      expect(list.map((w) => w.url)).toEqual(['http://w1.example', 'http://w2.example']);
    });
  });
  describe('when it is malformed', () => {
    it.each(['http://w1.example', 'ftp://x vkey', 'notaurl vkey', `http://w1.example not-a-vkey`])(
      'rejects %s',
      (text) => {
        expect(() => parseWitnesses(text)).toThrow(ConfigError);
      },
    );
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64Encode, utf8Encode } from '@scriba/sdk';
import { parsePublicKey } from '@scriba/sdk/crypto';
import {
  assembleProof,
  consistencyProofNodes,
  hashLeaf,
  type NodeId,
  rootFromLeafHashes,
} from '@scriba/sdk/merkle';
import {
  ed25519Signer,
  formatCheckpoint,
  formatVerifierKey,
  NOTE_KEY_TYPE_ED25519,
  noteVerifierFromPublicKey,
  parseVerifierKey,
  signNote,
  verifyNote,
} from '@scriba/sdk/note';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { openPglite } from '../../server/src/storage/pglite.js';
import { openPostgres } from '../../server/src/storage/postgres.js';
import type { Db } from '../../server/src/storage/types.js';
import { ed25519Cosigner, ed25519Raw } from '../src/key.js';
import { witnessRoutes } from '../src/routes.js';
import { WitnessStore } from '../src/store.js';
import { parseAddCheckpointRequest, Witness } from '../src/witness.js';

const ORIGIN = 'example.com/log';
const logSigner = ed25519Signer(ORIGIN, new Uint8Array(32).fill(1));
const logVerifier = parseVerifierKey(formatVerifierKey(ORIGIN, NOTE_KEY_TYPE_ED25519, logSigner.publicKey));
const rogueSigner = ed25519Signer(ORIGIN, new Uint8Array(32).fill(2));

const witnessKey = (() => {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey32: ed25519Raw(privateKey) };
})();
const cosigner = ed25519Cosigner('witness.example/w1', witnessKey);
const cosignatureVerifier = noteVerifierFromPublicKey(
  'witness.example/w1',
  parsePublicKey(new Uint8Array([...SPKI_ED25519_PREFIX(), ...witnessKey.publicKey32])),
  { cosignature: true },
);

function SPKI_ED25519_PREFIX(): number[] {
  return [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
}

/** A log's leaves; `forkAt` rewrites one leaf (a log that rewrote history). */
function leaves(n: number, forkAt?: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) =>
    hashLeaf(utf8Encode(i === forkAt ? `forged ${i}` : `entry ${i}`)),
  );
}

function nodeHash(ls: Uint8Array[], id: NodeId): Uint8Array {
  return rootFromLeafHashes(ls.slice(id.index * 2 ** id.level, (id.index + 1) * 2 ** id.level));
}

function consistency(ls: Uint8Array[], size1: number, size2: number): Uint8Array[] {
  const nodes = consistencyProofNodes(size1, size2);
  return assembleProof(
    nodes,
    nodes.ids.map((id) => nodeHash(ls.slice(0, size2), id)),
  );
}

async function checkpoint(
  ls: Uint8Array[],
  size: number,
  signer = logSigner,
  origin = ORIGIN,
): Promise<string> {
  const body = formatCheckpoint({
    origin,
    size,
    rootHash: rootFromLeafHashes(ls.slice(0, size)),
    extensions: [],
  });
  return signNote(body, [signer]);
}

function request(oldSize: number, proof: Uint8Array[], cp: string): string {
  return `old ${oldSize}\n${proof.map((h) => `${base64Encode(h)}\n`).join('')}\n${cp}`;
}

const LOG = leaves(2000);

/** The witness's PGlite database under `dir`, opened as `scriba witness` opens it. */
function pgliteIn(dir: string): Promise<Db> {
  return openPglite(dir, { subdir: 'witness-db', lockFile: 'witness.lock' });
}

/** A throwaway PGlite database (its directory removed at close). */
async function tempPglite(): Promise<{ db: Db; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'scriba-witness-'));
  const db = await pgliteIn(dir);
  return {
    db,
    close: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type Backend = { name: string; open(): Promise<{ db: Db; close(): Promise<void> }> };

const backends: Backend[] = [
  { name: 'PGlite', open: tempPglite },
  {
    name: 'PostgreSQL',
    async open() {
      const tdb = await createTestDatabase('scriba_witness');
      const db = openPostgres(tdb.url, 10);
      return {
        db,
        close: async () => {
          await db.close();
          await tdb.drop();
        },
      };
    },
  },
];

describe.each(backends)('Witness.addCheckpoint on $name', (backend) => {
  let close: () => Promise<void>;
  let store: WitnessStore;
  const fresh = () =>
    new Witness({ store, cosigners: [cosigner], logs: [{ origin: ORIGIN, verifiers: [logVerifier] }] });

  beforeAll(async () => {
    const opened = await backend.open();
    close = opened.close;
    store = new WitnessStore(opened.db);
    await store.init();
    await store.init(); // idempotent
  });
  afterAll(async () => close?.());

  describe('when the log is followed from scratch and grows consistently', () => {
    it('cosigns (200) each checkpoint and records it', async () => {
      const w = fresh();
      let old = 0;
      for (const size of [1, 2, 3, 8, 255, 256, 257, 1000]) {
        const cp = await checkpoint(LOG, size);
        const proof = old === 0 ? [] : consistency(LOG, old, size);
        const res = await w.addCheckpoint(request(old, proof, cp));
        expect(res.status).toBe(200);
        expect(res.body).toMatch(/^— witness\.example\/w1 [A-Za-z0-9+/=]+\n$/);
        // The cosignature verifies over the checkpoint (concatenated as the spec suggests).
        const { verified } = await verifyNote(cp + res.body, [cosignatureVerifier]);
        expect(verified).toHaveLength(1);
        expect((await w.state(ORIGIN))?.size).toBe(size);
        old = size;
      }
    });
  });

  describe('when the same checkpoint is submitted again (old = size, same root)', () => {
    it('cosigns it again (200)', async () => {
      const res = await fresh().addCheckpoint(request(1000, [], await checkpoint(LOG, 1000)));
      expect(res.status).toBe(200);
    });
  });

  describe('when the origin is unknown', () => {
    it('answers 404', async () => {
      const cp = await checkpoint(
        LOG,
        5,
        ed25519Signer('other.example/log', new Uint8Array(32).fill(1)),
        'other.example/log',
      );
      expect((await fresh().addCheckpoint(request(0, [], cp))).status).toBe(404);
    });
  });

  describe('when no signature verifies with the trusted key', () => {
    it('answers 403', async () => {
      const cp = await checkpoint(LOG, 1001, rogueSigner);
      expect((await fresh().addCheckpoint(request(1000, consistency(LOG, 1000, 1001), cp))).status).toBe(403);
    });
  });

  describe('when the request is malformed', () => {
    it.each([
      ['no blank line', async () => `old 0\n${await checkpoint(LOG, 3)}`.replace('\n\n', '\n')],
      ['bad old line', async () => `old 01\n\n${await checkpoint(LOG, 3)}`],
      ['negative old', async () => `old -1\n\n${await checkpoint(LOG, 3)}`],
      ['non-base64 proof', async () => `old 1000\n!!!\n\n${await checkpoint(LOG, 1001)}`],
      ['short proof hash', async () => `old 1000\nAAAA\n\n${await checkpoint(LOG, 1001)}`],
      [
        '64 proof lines',
        async () => request(1000, Array(64).fill(new Uint8Array(32)), await checkpoint(LOG, 1001)),
      ],
      ['garbage checkpoint', async () => 'old 0\n\nnot a checkpoint\n'],
    ])('answers 400 for %s', async (_n, body) => {
      expect((await fresh().addCheckpoint(await body())).status).toBe(400);
    });

    it('answers 400 when the old size is above the checkpoint size', async () => {
      expect((await fresh().addCheckpoint(request(1000, [], await checkpoint(LOG, 999)))).status).toBe(400);
    });
  });

  describe('when the old size is not the recorded size', () => {
    it.each([0, 999, 1500])('answers 409 with the recorded size for old %i', async (old) => {
      const res = await fresh().addCheckpoint(
        request(old, old === 0 ? [] : consistency(LOG, old, 1600), await checkpoint(LOG, 1600)),
      );
      expect(res).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '1000\n' });
    });
  });

  describe('when the size is the same but the root differs', () => {
    it('answers 409', async () => {
      const forked = leaves(1000, 10);
      const res = await fresh().addCheckpoint(request(1000, [], await checkpoint(forked, 1000)));
      expect(res.status).toBe(409);
      expect(res.body).toBe('1000\n');
    });
  });

  describe('when the consistency proof does not verify (history rewritten)', () => {
    it('answers 422, keeps its state and records the refusal', async () => {
      const forked = leaves(1500, 42);
      // A perfectly well-formed proof for the forked tree, signed by the real log key.
      const res = await fresh().addCheckpoint(
        request(1000, consistency(forked, 1000, 1500), await checkpoint(forked, 1500)),
      );
      expect(res.status).toBe(422);
      expect((await store.get(ORIGIN))?.size).toBe(1000);
      expect((await store.refusals(ORIGIN)).map((r) => r.status)).toContain(422);
    });

    it('answers 422 for a proof from the right tree but with a hash flipped', async () => {
      const proof = consistency(LOG, 1000, 1500);
      proof[0] = proof[0]!.slice();
      proof[0][0]! ^= 1;
      expect((await fresh().addCheckpoint(request(1000, proof, await checkpoint(LOG, 1500)))).status).toBe(
        422,
      );
    });

    it('answers 422 for a non-empty proof from size 0', async () => {
      const other = ed25519Signer('x.example/empty', new Uint8Array(32).fill(5));
      const w = new Witness({
        store,
        cosigners: [cosigner],
        logs: [
          {
            origin: 'x.example/empty',
            verifiers: [parseVerifierKey(formatVerifierKey('x.example/empty', 1, other.publicKey))],
          },
        ],
      });
      const cp = await checkpoint(LOG, 10, other, 'x.example/empty');
      expect((await w.addCheckpoint(request(0, [new Uint8Array(32)], cp))).status).toBe(422);
    });
  });

  describe('when many requests for one log race', () => {
    it('exactly one wins per old size; the rest get 409 with the winner size; state never rolls back', async () => {
      const w = fresh();
      const start = (await store.get(ORIGIN))!.size;
      const sizes = [1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900, 2000];
      const results = await Promise.all(
        sizes.map(async (s) =>
          w.addCheckpoint(request(start, consistency(LOG, start, s), await checkpoint(LOG, s))),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      const winner = sizes[results.findIndex((r) => r.status === 200)]!;
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(409);
        expect(r.body).toBe(`${winner}\n`);
      }
      expect((await store.get(ORIGIN))?.size).toBe(winner);
    });
  });
});

describe('Witness state', () => {
  describe('when the witness restarts on the same PGlite directory', () => {
    it('keeps the recorded checkpoint', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'scriba-witness-'));
      try {
        const db1 = await pgliteIn(dir);
        const s1 = new WitnessStore(db1);
        await s1.init();
        const w1 = new Witness({
          store: s1,
          cosigners: [cosigner],
          logs: [{ origin: ORIGIN, verifiers: [logVerifier] }],
        });
        expect((await w1.addCheckpoint(request(0, [], await checkpoint(LOG, 77)))).status).toBe(200);
        await db1.close();

        const db2 = await pgliteIn(dir);
        const s2 = new WitnessStore(db2);
        await s2.init();
        const w2 = new Witness({
          store: s2,
          cosigners: [cosigner],
          logs: [{ origin: ORIGIN, verifiers: [logVerifier] }],
        });
        expect(await w2.addCheckpoint(request(0, [], await checkpoint(LOG, 80)))).toMatchObject({
          status: 409,
          body: '77\n',
        });
        expect(
          (await w2.addCheckpoint(request(77, consistency(LOG, 77, 80), await checkpoint(LOG, 80)))).status,
        ).toBe(200);
        await db2.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('WitnessStore.init', () => {
  describe('on a database the previous release created (its tables, no migrations table)', () => {
    it('adopts the schema and keeps the recorded state', async () => {
      const { db, close } = await tempPglite();
      try {
        // The previous release's schema, created by the store itself at start.
        await db.exec(`
          CREATE TABLE IF NOT EXISTS witness_checkpoints (
            origin text PRIMARY KEY, size bigint NOT NULL CHECK (size >= 0), root_hash bytea NOT NULL,
            checkpoint text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE IF NOT EXISTS witness_refusals (
            id bigserial PRIMARY KEY, origin text NOT NULL, status integer NOT NULL, reason text NOT NULL,
            request text NOT NULL, received_at timestamptz NOT NULL DEFAULT now());`);
        const old = new WitnessStore(db);
        const state = { origin: ORIGIN, size: 77, rootHash: new Uint8Array(32).fill(1), checkpoint: 'cp\n' };
        expect(await old.compareAndSwap(undefined, state)).toBe(true);
        const store = new WitnessStore(db);
        await store.init();
        expect(await store.get(ORIGIN)).toEqual(state);
        const { rows } = await db.query<{ version: number }>('SELECT version FROM witness_schema_migrations');
        expect(rows.map((r) => Number(r.version))).toEqual([1]);
      } finally {
        await close();
      }
    });
  });
});

describe('Witness discovery of new origins (a log that rotated to a new shard)', () => {
  const NEW = 'example.com/log - 2';
  // A Scriba shard's origin is `<name> - <tree ID>`; its key keeps the log's name.
  const newSigner = ed25519Signer(ORIGIN, new Uint8Array(32).fill(2));
  const newVerifier = parseVerifierKey(formatVerifierKey(ORIGIN, NOTE_KEY_TYPE_ED25519, newSigner.publicKey));
  const intruder = ed25519Signer(ORIGIN, new Uint8Array(32).fill(3));
  const intruderVerifier = parseVerifierKey(
    formatVerifierKey(ORIGIN, NOTE_KEY_TYPE_ED25519, intruder.publicKey),
  );

  it('asks once for an unknown origin, follows what it learns, never rekeys a followed origin', async () => {
    const { db, close } = await tempPglite();
    try {
      const store = new WitnessStore(db);
      await store.init();
      let calls = 0;
      const w = new Witness({
        store,
        cosigners: [cosigner],
        logs: [{ origin: ORIGIN, verifiers: [logVerifier] }],
        discover: async () => {
          calls++;
          // The listing names the new shard, and tries to give the followed origin another key.
          return [
            { origin: NEW, verifiers: [newVerifier] },
            { origin: ORIGIN, verifiers: [intruderVerifier] },
          ];
        },
      });
      const known = await w.addCheckpoint(request(0, [], await checkpoint(LOG, 3)));
      expect(known.status).toBe(200);
      expect(calls).toBe(0);
      const fresh = await w.addCheckpoint(request(0, [], await checkpoint(LOG, 5, newSigner, NEW)));
      expect(fresh.status).toBe(200);
      expect(calls).toBe(1);
      expect(w.origins).toEqual([ORIGIN, NEW]);
      // The followed origin kept its key: a checkpoint signed by the listed intruder key is refused.
      const rekeyed = await w.addCheckpoint(
        request(3, consistency(LOG, 3, 8), await checkpoint(LOG, 8, intruder)),
      );
      expect(rekeyed.status).toBe(403);
      // Unknown origins within the interval ask nothing more.
      for (let i = 0; i < 5; i++) {
        const r = await w.addCheckpoint(request(0, [], await checkpoint(LOG, 2, newSigner, `nope-${i}`)));
        expect(r.status).toBe(404);
      }
      expect(calls).toBe(1);
    } finally {
      await close();
    }
  });

  it('answers 404 when the listing cannot be read', async () => {
    const { db, close } = await tempPglite();
    try {
      const store = new WitnessStore(db);
      await store.init();
      const w = new Witness({
        store,
        cosigners: [cosigner],
        logs: [],
        discover: () => Promise.reject(new Error('log unreachable')),
      });
      const r = await w.addCheckpoint(request(0, [], await checkpoint(LOG, 5, newSigner, NEW)));
      expect(r.status).toBe(404);
    } finally {
      await close();
    }
  });
});

describe('parseAddCheckpointRequest', () => {
  describe('when the body is well-formed', () => {
    it('splits old size, proof and checkpoint', async () => {
      const cp = await checkpoint(LOG, 9);
      const proof = consistency(LOG, 4, 9);
      const r = parseAddCheckpointRequest(request(4, proof, cp));
      expect(r).toEqual({ oldSize: 4, proof, checkpoint: cp });
    });
  });
});

describe('POST /add-checkpoint', () => {
  describe('when served over HTTP', () => {
    it('maps statuses and content types', async () => {
      const { db, close } = await tempPglite();
      const store = new WitnessStore(db);
      await store.init();
      const witness = new Witness({
        store,
        cosigners: [cosigner],
        logs: [{ origin: ORIGIN, verifiers: [logVerifier] }],
      });
      const app = Fastify();
      await app.register(witnessRoutes, { witness });
      try {
        const ok = await app.inject({
          method: 'POST',
          url: '/add-checkpoint',
          payload: request(0, [], await checkpoint(LOG, 5)),
        });
        expect(ok.statusCode).toBe(200);
        expect(ok.body.startsWith('— witness.example/w1 ')).toBe(true);
        const conflict = await app.inject({
          method: 'POST',
          url: '/add-checkpoint',
          headers: { 'content-type': 'text/plain' },
          payload: request(0, [], await checkpoint(LOG, 6)),
        });
        expect(conflict.statusCode).toBe(409);
        expect(conflict.headers['content-type']).toBe('text/x.tlog.size');
        expect(conflict.body).toBe('5\n');
        const notFound = await app.inject({ method: 'GET', url: '/add-checkpoint' });
        expect(notFound.statusCode).toBe(404);
      } finally {
        await app.close();
        await close();
      }
    });
  });
});

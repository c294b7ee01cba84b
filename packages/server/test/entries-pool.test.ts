/**
 * Validation on worker threads (SCRIBA_VALIDATION_WORKERS) answers exactly what the inline path
 * answers. The worker script is the compiled one (dist/entries/validate-worker.js): these tests are
 * skipped when the server has not been built.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EntryValidationError, validateProposedEntry } from '../src/entries/index.js';
import { ValidationPool } from '../src/entries/pool.js';
import { dsseEntry, envelope, hashedRekord, intotoEntry, statement, testKey } from './entries.fixtures.js';

const WORKER = new URL('../dist/entries/validate-worker.js', import.meta.url);
const built = existsSync(fileURLToPath(WORKER));
const pool = built ? new ValidationPool(2, WORKER) : undefined;

afterAll(async () => {
  await pool?.close();
});

async function outcome(f: () => Promise<unknown>): Promise<unknown> {
  try {
    const r = (await f()) as { body: Uint8Array; leafHash: Uint8Array };
    return {
      ...r,
      body: Buffer.from(r.body).toString('hex'),
      leafHash: Buffer.from(r.leafHash).toString('hex'),
    };
  } catch (e) {
    expect(e).toBeInstanceOf(EntryValidationError);
    const v = e as EntryValidationError;
    return { code: v.code, field: v.field, message: v.message };
  }
}

describe('ValidationPool', () => {
  describe('when given valid and invalid entries', () => {
    const p256 = testKey('P-256');
    const env = envelope([p256], statement('12'.repeat(32)));
    const entries: [string, unknown][] = [
      ['hashedrekord', hashedRekord({ key: p256 })],
      ['hashedrekord Ed25519ph', hashedRekord({ key: testKey('Ed25519') })],
      ['dsse', dsseEntry(env, [p256.pem])],
      ['intoto', intotoEntry(env, [p256.pem])],
      ['unknown kind', { kind: 'rekord', apiVersion: '0.0.1', spec: {} }],
      [
        'bad signature',
        {
          ...hashedRekord({ key: p256 }),
          spec: {
            ...hashedRekord({ key: p256 }).spec,
            data: { hash: { algorithm: 'sha256', value: '0'.repeat(64) } },
          },
        },
      ],
      ['not an object', 42],
    ];
    it.skipIf(!built).each(entries)('answers %s as the inline path does', async (_n, entry) => {
      const inline = await outcome(() => validateProposedEntry(entry));
      const pooled = await outcome(() => (pool as ValidationPool).validate(entry));
      expect(pooled).toEqual(inline);
    });

    it.skipIf(!built)('handles many concurrent requests', async () => {
      const batch = Array.from({ length: 50 }, () => hashedRekord({ key: p256 }));
      const out = await Promise.all(batch.map((e) => (pool as ValidationPool).validate(e)));
      expect(new Set(out.map((r) => Buffer.from(r.leafHash).toString('hex'))).size).toBe(50);
    });
  });
});

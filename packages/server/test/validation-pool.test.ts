/**
 * A validation worker that dies is replaced, and the requests it was handling are failed with a clear
 * error (never left pending); requests on other workers and later requests are answered. The worker
 * script here stands in for the real one (same message protocol) so that it can be made to crash.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationPool, ValidationWorkerExitedError } from '../src/entries/pool.js';

const WORKER = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', ({ id, json }) => {
  if (json === 'crash') process.exit(7);
  if (json === 'throw') return setImmediate(() => { throw new Error('boom in worker'); });
  if (json === 'slow') return setTimeout(() => parentPort.postMessage({ id, ok: true, entry: { kind: 'slow' } }), 200);
  parentPort.postMessage({ id, ok: true, entry: { kind: String(json) } });
});
`;

let dir: string;
let url: URL;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scriba-pool-'));
  const file = join(dir, 'worker.mjs');
  await writeFile(file, WORKER);
  url = pathToFileURL(file);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function settled(p: Promise<unknown>): Promise<unknown> {
  try {
    return await p;
  } catch (e) {
    return e;
  }
}

describe('ValidationPool', () => {
  describe('when a worker exits while handling requests', () => {
    it('fails those requests with ValidationWorkerExitedError and replaces the worker', async () => {
      const pool = new ValidationPool(1, url);
      try {
        // Both go to the one worker; it dies on the first, so the second is never answered by it.
        const [a, b] = await Promise.all([settled(pool.validate('crash')), settled(pool.validate('x'))]);
        for (const r of [a, b]) {
          expect(r).toBeInstanceOf(ValidationWorkerExitedError);
          expect((r as Error).message).toMatch(/exited \(code 7\).*retry/);
        }
        expect(pool.replaced).toBe(1);
        expect(await pool.validate('after')).toEqual({ kind: 'after' });
      } finally {
        await pool.close();
      }
    });

    it('fails only the requests of the worker that died', async () => {
      const pool = new ValidationPool(2, url);
      try {
        const slow = pool.validate('slow'); // worker 1
        const crash = settled(pool.validate('crash')); // worker 2 (fewest pending)
        expect(await crash).toBeInstanceOf(ValidationWorkerExitedError);
        expect(await slow).toEqual({ kind: 'slow' });
      } finally {
        await pool.close();
      }
    });
  });

  describe('when a worker throws an uncaught error', () => {
    it('names the error in the rejection and keeps serving', async () => {
      const pool = new ValidationPool(1, url);
      try {
        const r = await settled(pool.validate('throw'));
        expect(r).toBeInstanceOf(ValidationWorkerExitedError);
        expect((r as Error).message).toMatch(/boom in worker/);
        expect(await pool.validate('next')).toEqual({ kind: 'next' });
      } finally {
        await pool.close();
      }
    });
  });
});

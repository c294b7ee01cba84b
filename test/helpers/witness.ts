/**
 * A witness server (C2SP tlog-witness) for tests that push checkpoints to one: its own database,
 * listening on a free port. The caller registers `close` (and the database drop) with its cleanups.
 */
import { createWitnessServer, type WitnessServer } from '../../packages/witness/src/index.js';
import { freePort } from './ports.js';
import { createTestDatabase } from './postgres.js';

/** Polls `f` every 100 ms until it yields a value; throws `timed out waiting for <what>` after `ms`. */
export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a witness named `name` following the log with `logVkey` and `origin`; cleanups are pushed in order. */
export async function startTestWitness(opts: {
  name: string;
  database: string;
  dataDir: string;
  logVkey: string;
  origin: string;
  cleanups: (() => Promise<void>)[];
}): Promise<{ witness: WitnessServer; url: string }> {
  const wdb = await createTestDatabase(opts.database);
  opts.cleanups.push(wdb.drop);
  const witness = await createWitnessServer({
    name: opts.name,
    dataDir: opts.dataDir,
    databaseUrl: wdb.url,
    logs: [{ vkeys: [opts.logVkey], origin: opts.origin }],
  });
  const port = await freePort();
  await witness.app.listen({ host: '127.0.0.1', port });
  opts.cleanups.push(() => witness.close());
  return { witness, url: `http://127.0.0.1:${port}` };
}

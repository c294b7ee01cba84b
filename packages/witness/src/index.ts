/**
 * A standalone witness server (C2SP tlog-witness + tlog-cosignature): its own Fastify app, its own
 * database (PGlite under a data directory, or PostgreSQL), its own Ed25519 key, and the logs it
 * follows configured by their note verifier keys (`name+hash+base64`, the key name being the log's
 * checkpoint origin unless an origin is given). Used by `scriba witness` (@scriba/cli).
 */
import { join } from 'node:path';
import { type NoteVerifier, parseVerifierKey } from '@scriba/sdk/note';
import { openDb } from '@scriba/server/storage';
import Fastify, { type FastifyInstance } from 'fastify';
import { ed25519Cosigner, loadOrCreateEd25519Key } from './key.js';
import { witnessRoutes } from './routes.js';
import { WitnessStore } from './store.js';
import { Witness, type WitnessedLog } from './witness.js';

export { ed25519Cosigner, loadOrCreateEd25519Key, parseEd25519KeyPem } from './key.js';
export { witnessRoutes } from './routes.js';
export { WITNESS_SQL_DIR, type WitnessState, WitnessStore } from './store.js';
export {
  type AddCheckpointResult,
  type Cosigner,
  DISCOVER_INTERVAL_MS,
  parseAddCheckpointRequest,
  Witness,
  type WitnessedLog,
} from './witness.js';

export type WitnessLogConfig = { vkeys: string[]; origin?: string };

export type WitnessServerOptions = {
  /** Witness key name (e.g. `witness.example.com/w1`). */
  name: string;
  /** Directory for the key (witness-key.pem) and, without databaseUrl, the PGlite database. */
  dataDir: string;
  /** PEM Ed25519 private key file; default `<dataDir>/witness-key.pem` (created on first start). */
  keyPath?: string;
  databaseUrl?: string;
  logs: WitnessLogConfig[];
  /** The logs as their source lists them now, asked when a checkpoint names an unknown origin. */
  discover?: () => Promise<WitnessLogConfig[]>;
  logger?: boolean;
};

export type WitnessServer = {
  app: FastifyInstance;
  witness: Witness;
  /** The witness's cosignature verifier key (type 0x04), for logs and clients to trust. */
  vkey: string;
  close(): Promise<void>;
};

/** Parses the log list: every vkey must parse; logs are keyed by origin (default: the key name). */
export function witnessedLogs(configs: WitnessLogConfig[]): WitnessedLog[] {
  const byOrigin = new Map<string, NoteVerifier[]>();
  for (const c of configs) {
    if (c.vkeys.length === 0) throw new Error('each witnessed log needs at least one verifier key');
    const verifiers = c.vkeys.map((v) => parseVerifierKey(v));
    const origin = c.origin ?? verifiers[0]!.name;
    byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), ...verifiers]);
  }
  return [...byOrigin].map(([origin, verifiers]) => ({ origin, verifiers }));
}

export async function createWitnessServer(opts: WitnessServerOptions): Promise<WitnessServer> {
  const logs = witnessedLogs(opts.logs);
  const key = await loadOrCreateEd25519Key(opts.keyPath ?? join(opts.dataDir, 'witness-key.pem'));
  const cosigner = ed25519Cosigner(opts.name, key);
  // The shared database helpers: PostgreSQL (a pool), or PGlite under <dataDir>/witness-db (where the
  // witness always kept it) with the data dir locked and private as the log's is.
  const db = await openDb({
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    poolMax: 10,
    pglite: { subdir: 'witness-db', lockFile: 'witness.lock' },
  });
  const closeDb = () => db.close();
  const store = new WitnessStore(db);
  try {
    await store.init();
  } catch (e) {
    await closeDb();
    throw e;
  }
  const discover = opts.discover;
  const witness = new Witness({
    store,
    cosigners: [cosigner],
    logs,
    ...(discover ? { discover: async () => witnessedLogs(await discover()) } : {}),
  });
  const app = Fastify({ logger: opts.logger ?? false });
  await app.register(witnessRoutes, { witness });
  return {
    app,
    witness,
    vkey: cosigner.vkey,
    async close() {
      await app.close();
      await closeDb();
    },
  };
}

/**
 * Server configuration from the environment (twelve-factor). Every value is validated at start;
 * a bad value stops the process with one line naming the variable (ConfigError).
 *
 * The checkpoint key name MUST be a substring of the log's base URL: sigstore-js accepts a
 * checkpoint signature only when `baseURL.includes(signatureName)` (@sigstore/verify
 * tlog/checkpoint.js), so the default name is the public URL's host (`host[:port]`).
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { type NoteVerifier, parseVerifierKey } from '@scriba/sdk/note';
import { DEFAULT_IDLE_TIMEOUT_MS } from './storage/postgres.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Config = {
  port: number;
  host: string;
  /**
   * Server processes sharing the port (SCRIBA_WORKERS or `scriba serve --workers`; `auto` = the
   * available parallelism); 1 = one process, no supervisor. More than one needs PostgreSQL.
   */
  workers: number;
  /** PostgreSQL connection string; undefined = embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** PEM file with the log's ECDSA P-256 private key; undefined = dataDir/log-key.pem (created). */
  logKeyPath: string | undefined;
  /** Base URL clients use to reach this log (goes into the trusted root). */
  publicUrl: string;
  /** Signature line name of checkpoints (C2SP signed-note key name). */
  logName: string;
  /** Checkpoint origin line; undefined = `${logName} - ${treeId}` (Rekor's convention). */
  origin: string | undefined;
  bodyLimit: number;
  batchMaxSize: number;
  batchMaxWaitMs: number;
  /** Append batches in flight per process (the next one queues for the tree lock). */
  batchPipeline: number;
  /** Batches planned ahead of the tree lock: 0 never, 1 one at a time, 2 one more on top of one out. */
  batchPlanAhead: 0 | 1 | 2;
  dbPoolMax: number;
  /** Bound on opening one database connection, ms. */
  dbConnectTimeoutMs: number;
  /** Bound on one SQL statement (server statement_timeout; the driver waits 5 s more), ms. */
  dbStatementTimeoutMs: number;
  /** How long an unused database connection stays open, ms (0: until the server stops). */
  dbIdleTimeoutMs: number;
  /** How long the start waits for the database (retrying with backoff) before it gives up, ms. */
  dbStartTimeoutMs: number;
  /** Appends queued or being written per process; past it, 503 with Retry-After. */
  appendQueueMax: number;
  /** A request's header section must arrive within this, ms. */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this, ms. */
  requestTimeoutMs: number;
  /** A socket silent for this long (a stalled request or an idle keep-alive connection) is closed, ms. */
  idleTimeoutMs: number;
  logLevel: string;
  /** Threads validating proposed entries (SCRIBA_VALIDATION_WORKERS; 0 = on the main thread). */
  validationWorkers: number;
  /** Use the native prehashed-verification addon when it loads (SCRIBA_NATIVE, default on). */
  nativeAddon: boolean;
  /** PKCS#8 PEM Ed25519 checkpoint co-signing key file; undefined = derived from the log key. */
  logEd25519KeyPath: string | undefined;
  /** Witnesses each new checkpoint is pushed to (SCRIBA_WITNESSES). */
  witnesses: WitnessEndpoint[];
  /** Witness push period and per-request timeout (ms); undefined = the pusher's defaults. */
  witnessIntervalMs: number | undefined;
  witnessTimeoutMs: number | undefined;
  /** Memory for immutable full tiles and entry bundles (SCRIBA_TILE_CACHE_MB). */
  tileCacheMb: number;
  /** The RFC 3161 timestamp authority served beside the log (SCRIBA_TSA, on by default). */
  tsa: TsaConfig;
  /** Log shards (issue 11): the keyring's extra keys and the rotation policy. */
  shards: ShardConfig;
};

/**
 * How often a shard is rotated by time: at a UTC calendar boundary (`yearly`, `monthly`: the first
 * check in a new year / month rotates a shard created in an earlier one), or once the shard is a given
 * age (`<N>d`, `<N>h`).
 */
export type ShardPeriod = { kind: 'calendar'; unit: 'year' | 'month' } | { kind: 'age'; ms: number };

export type ShardConfig = {
  /** PEM files of ECDSA P-256 keys of other shards (SCRIBA_SHARD_KEYS), beside the log key. */
  keyPaths: string[];
  /** Rotate once a batch leaves the active shard at or above this size (SCRIBA_SHARD_MAX_SIZE). */
  maxSize: number | undefined;
  /** Rotate by time (SCRIBA_SHARD_PERIOD). */
  period: ShardPeriod | undefined;
  /** How often the policy is checked without appends, ms (SCRIBA_SHARD_CHECK_INTERVAL_MS). */
  checkIntervalMs: number;
};

/** Parses SCRIBA_SHARD_PERIOD: `yearly`, `monthly`, `<N>d` or `<N>h`. Throws ConfigError. */
export function parseShardPeriod(raw: string | undefined): ShardPeriod | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'yearly') return { kind: 'calendar', unit: 'year' };
  if (raw === 'monthly') return { kind: 'calendar', unit: 'month' };
  const m = /^([1-9][0-9]{0,5})([dh])$/.exec(raw);
  if (!m) {
    throw new ConfigError(`SCRIBA_SHARD_PERIOD must be yearly, monthly, <N>d or <N>h, got '${raw}'`);
  }
  return { kind: 'age', ms: Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000) };
}

function shardConfig(env: Env, cwd: string): ShardConfig {
  const keyPaths = (env.SCRIBA_SHARD_KEYS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => resolve(cwd, p));
  return {
    keyPaths,
    maxSize: optionalIntVar(env, 'SCRIBA_SHARD_MAX_SIZE', 1, Number.MAX_SAFE_INTEGER),
    period: parseShardPeriod(env.SCRIBA_SHARD_PERIOD),
    checkIntervalMs: intVar(env, 'SCRIBA_SHARD_CHECK_INTERVAL_MS', 60_000, 100, 86_400_000),
  };
}

export type WitnessEndpoint = {
  /** Submission prefix: add-checkpoint is POSTed to `${url}/add-checkpoint`. */
  url: string;
  /** The witness's cosignature/v1 verifier key. */
  verifier: NoteVerifier;
};

export type TsaConfig = {
  enabled: boolean;
  /** PEM private key of the TSA (with certChainPath); undefined = generated under dataDir. */
  keyPath: string | undefined;
  /** PEM chain, signing certificate first, root last. */
  certChainPath: string | undefined;
  /** TSTInfo policy OID. */
  policyOid: string;
  /** Curve of a generated key. */
  curve: 'P-256' | 'P-384';
};

/** Sigstore's timestamp-authority policy OID, the default TSTInfo policy. */
export const DEFAULT_TSA_POLICY_OID = '1.3.6.1.4.1.57264.2';

function tsaConfig(env: Env, cwd: string): TsaConfig {
  const raw = (env.SCRIBA_TSA ?? '').toLowerCase();
  let enabled: boolean;
  if (['', '1', 'true', 'on', 'yes'].includes(raw)) enabled = true;
  else if (['0', 'false', 'off', 'no'].includes(raw)) enabled = false;
  else throw new ConfigError(`SCRIBA_TSA must be 1 or 0, got '${env.SCRIBA_TSA}'`);
  const policyOid = env.SCRIBA_TSA_POLICY_OID || DEFAULT_TSA_POLICY_OID;
  if (!/^[0-2](\.(0|[1-9][0-9]{0,17})){1,30}$/.test(policyOid)) {
    throw new ConfigError(
      `SCRIBA_TSA_POLICY_OID must be a dotted OID like 1.3.6.1.4.1.57264.2, got '${policyOid}'`,
    );
  }
  const curve = env.SCRIBA_TSA_CURVE || 'P-256';
  if (curve !== 'P-256' && curve !== 'P-384') {
    throw new ConfigError(`SCRIBA_TSA_CURVE must be P-256 or P-384, got '${curve}'`);
  }
  const keyPath = env.SCRIBA_TSA_KEY ? resolve(cwd, env.SCRIBA_TSA_KEY) : undefined;
  const certChainPath = env.SCRIBA_TSA_CERT_CHAIN ? resolve(cwd, env.SCRIBA_TSA_CERT_CHAIN) : undefined;
  if ((keyPath === undefined) !== (certChainPath === undefined)) {
    throw new ConfigError('SCRIBA_TSA_KEY and SCRIBA_TSA_CERT_CHAIN must be given together');
  }
  return { enabled, keyPath, certChainPath, policyOid, curve };
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got '${raw}'`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return n;
}

function optionalIntVar(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : intVar(env, name, 0, min, max);
}

function numberVar(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = /^[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new ConfigError(`${name} must be a number from ${min} to ${max}, got '${raw}'`);
  return n;
}

function boolVar(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (raw === '1') return true;
  if (raw === '0') return false;
  throw new ConfigError(`${name} must be 0 or 1, got '${raw}'`);
}

/**
 * SCRIBA_WITNESSES: comma-separated `URL VKEY` pairs, e.g.
 * `https://w1.example/ witness.example/w1+1a2b3c4d+BASE64, ...`.
 */
export function parseWitnesses(text: string | undefined): WitnessEndpoint[] {
  if (!text || text.trim() === '') return [];
  return text.split(',').map((part) => {
    const fields = part.trim().split(/\s+/);
    if (fields.length !== 2)
      throw new ConfigError(`SCRIBA_WITNESSES: expected 'URL VKEY', got '${part.trim()}'`);
    const [url, vkey] = fields as [string, string];
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new ConfigError(`SCRIBA_WITNESSES: '${url}' is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new ConfigError(`SCRIBA_WITNESSES: '${url}' is not http(s)`);
    let verifier: NoteVerifier;
    try {
      verifier = parseVerifierKey(vkey);
    } catch {
      throw new ConfigError(`SCRIBA_WITNESSES: '${vkey}' is not a note verifier key (name+hash+base64)`);
    }
    return { url: url.replace(/\/+$/, ''), verifier };
  });
}

/** Most worker processes one `scriba serve` runs. */
export const MAX_WORKERS = 256;

/** SCRIBA_WORKERS: a count from 1 to MAX_WORKERS, or `auto` (the available parallelism). */
function workersVar(env: Env): number {
  const raw = env.SCRIBA_WORKERS;
  if (raw === undefined || raw === '') return 1;
  if (raw === 'auto') return Math.min(MAX_WORKERS, Math.max(1, availableParallelism()));
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_WORKERS)) {
    throw new ConfigError(`SCRIBA_WORKERS (--workers) must be auto or 1 to ${MAX_WORKERS}, got '${raw}'`);
  }
  return n;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Builds the config from `env` (process.env by default). Throws ConfigError. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const port = intVar(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  if (/\s/.test(host)) throw new ConfigError(`HOST must not contain whitespace, got '${host}'`);

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid URL (expected postgres://user:pass@host:port/db)');
    }
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
      throw new ConfigError(`DATABASE_URL must use postgres:// or postgresql://, got '${u.protocol}'`);
    }
  }

  const dataDirRaw = env.SCRIBA_DATA_DIR || './.scriba';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const logKeyPath = env.SCRIBA_LOG_KEY ? resolve(cwd, env.SCRIBA_LOG_KEY) : undefined;

  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const publicUrlRaw = env.SCRIBA_PUBLIC_URL || `http://${urlHost}:${port}`;
  let publicUrl: URL;
  try {
    publicUrl = new URL(publicUrlRaw);
  } catch {
    throw new ConfigError(`SCRIBA_PUBLIC_URL is not a valid URL, got '${publicUrlRaw}'`);
  }
  if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') {
    throw new ConfigError(`SCRIBA_PUBLIC_URL must be http(s), got '${publicUrlRaw}'`);
  }
  const publicUrlText = publicUrlRaw.replace(/\/+$/, '');

  const logName = env.SCRIBA_LOG_NAME || publicUrl.host;
  if (!/^[\x21-\x7e]+$/.test(logName) || logName.includes('+')) {
    throw new ConfigError(`SCRIBA_LOG_NAME must be printable ASCII without spaces or '+', got '${logName}'`);
  }
  if (!publicUrlText.includes(logName)) {
    throw new ConfigError(
      `SCRIBA_LOG_NAME '${logName}' must be a substring of SCRIBA_PUBLIC_URL '${publicUrlText}' (sigstore verifiers match them)`,
    );
  }
  const origin = env.SCRIBA_ORIGIN || undefined;
  if (origin !== undefined && (origin.includes('\n') || origin.trim() !== origin)) {
    throw new ConfigError('SCRIBA_ORIGIN must be one line without leading or trailing spaces');
  }

  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }

  return {
    port,
    host,
    workers: workersVar(env),
    databaseUrl,
    dataDir,
    logKeyPath,
    publicUrl: publicUrlText,
    logName,
    origin,
    bodyLimit: intVar(env, 'SCRIBA_BODY_LIMIT', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    batchMaxSize: intVar(env, 'SCRIBA_BATCH_MAX_SIZE', 1024, 1, 8192),
    batchMaxWaitMs: intVar(env, 'SCRIBA_BATCH_MAX_WAIT_MS', 0, 0, 10_000),
    batchPipeline: intVar(env, 'SCRIBA_BATCH_PIPELINE', 1, 1, 8),
    batchPlanAhead: intVar(env, 'SCRIBA_BATCH_PLAN_AHEAD', 2, 0, 2) as 0 | 1 | 2,
    dbPoolMax: intVar(env, 'SCRIBA_DB_POOL_MAX', 10, 1, 1000),
    dbConnectTimeoutMs: intVar(env, 'SCRIBA_DB_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    dbStatementTimeoutMs: intVar(env, 'SCRIBA_DB_STATEMENT_TIMEOUT_MS', 10_000, 100, 3_600_000),
    dbIdleTimeoutMs: intVar(env, 'SCRIBA_DB_IDLE_TIMEOUT_MS', DEFAULT_IDLE_TIMEOUT_MS, 0, 86_400_000),
    dbStartTimeoutMs: intVar(env, 'SCRIBA_DB_START_TIMEOUT_MS', 20_000, 0, 3_600_000),
    appendQueueMax: intVar(env, 'SCRIBA_APPEND_QUEUE_MAX', 4096, 1, 1_000_000),
    headersTimeoutMs: intVar(env, 'SCRIBA_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: intVar(env, 'SCRIBA_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    idleTimeoutMs: intVar(env, 'SCRIBA_IDLE_TIMEOUT_MS', 30_000, 100, 3_600_000),
    logLevel,
    validationWorkers: intVar(env, 'SCRIBA_VALIDATION_WORKERS', 0, 0, 16),
    nativeAddon: boolVar(env, 'SCRIBA_NATIVE', true),
    logEd25519KeyPath: env.SCRIBA_LOG_ED25519_KEY || undefined,
    witnesses: parseWitnesses(env.SCRIBA_WITNESSES),
    witnessIntervalMs: optionalIntVar(env, 'SCRIBA_WITNESS_INTERVAL_MS', 1, 86_400_000),
    witnessTimeoutMs: optionalIntVar(env, 'SCRIBA_WITNESS_TIMEOUT_MS', 1, 86_400_000),
    tileCacheMb: numberVar(env, 'SCRIBA_TILE_CACHE_MB', 64, 0, 1_048_576),
    tsa: tsaConfig(env, cwd),
    shards: shardConfig(env, cwd),
  };
}

/**
 * Server configuration from the environment (twelve-factor). Every value is validated at start;
 * a bad value stops the process with one line naming the variable (ConfigError).
 *
 * The checkpoint key name MUST be a substring of the log's base URL: sigstore-js accepts a
 * checkpoint signature only when `baseURL.includes(signatureName)` (@sigstore/verify
 * tlog/checkpoint.js), so the default name is the public URL's host (`host[:port]`).
 */
import { isAbsolute, resolve } from 'node:path';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Config = {
  port: number;
  host: string;
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
  dbPoolMax: number;
  logLevel: string;
  /** The RFC 3161 timestamp authority served beside the log (SCRIBA_TSA, on by default). */
  tsa: TsaConfig;
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
    dbPoolMax: intVar(env, 'SCRIBA_DB_POOL_MAX', 10, 1, 1000),
    logLevel,
    tsa: tsaConfig(env, cwd),
  };
}

import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  describe('when nothing is set', () => {
    it('serves on 127.0.0.1:3000 with PGlite under ./.scriba and a key name matching the URL', () => {
      const c = loadConfig({}, '/srv');
      expect(c).toMatchObject({
        port: 3000,
        host: '127.0.0.1',
        databaseUrl: undefined,
        dataDir: '/srv/.scriba',
        publicUrl: 'http://127.0.0.1:3000',
        logName: '127.0.0.1:3000',
        dbConnectTimeoutMs: 5_000,
        dbStatementTimeoutMs: 10_000,
        dbIdleTimeoutMs: 600_000,
        dbStartTimeoutMs: 20_000,
        appendQueueMax: 4096,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        idleTimeoutMs: 30_000,
      });
    });
  });

  describe('when a public URL is set', () => {
    it('derives the key name from its host', () => {
      const c = loadConfig({ SCRIBA_PUBLIC_URL: 'https://log.example.com/' });
      expect(c.publicUrl).toBe('https://log.example.com');
      expect(c.logName).toBe('log.example.com');
    });
  });

  describe('SCRIBA_DB_IDLE_TIMEOUT_MS', () => {
    it('is ten minutes by default, a count of ms, or 0 for connections kept until the server stops', () => {
      expect(loadConfig({}).dbIdleTimeoutMs).toBe(600_000);
      expect(loadConfig({ SCRIBA_DB_IDLE_TIMEOUT_MS: '5000' }).dbIdleTimeoutMs).toBe(5_000);
      expect(loadConfig({ SCRIBA_DB_IDLE_TIMEOUT_MS: '0' }).dbIdleTimeoutMs).toBe(0);
    });
  });

  describe('SCRIBA_WORKERS', () => {
    it('is 1 by default, a count, or auto (the available parallelism)', () => {
      expect(loadConfig({}).workers).toBe(1);
      expect(loadConfig({ SCRIBA_WORKERS: '' }).workers).toBe(1);
      expect(loadConfig({ SCRIBA_WORKERS: '3' }).workers).toBe(3);
      expect(loadConfig({ SCRIBA_WORKERS: '256' }).workers).toBe(256);
      expect(loadConfig({ SCRIBA_WORKERS: 'auto' }).workers).toBe(Math.min(256, availableParallelism()));
    });
    it.each(['0', '257', '-2', '2.5', 'AUTO', ' 2', '0x2'])('refuses %j', (v) => {
      expect(() => loadConfig({ SCRIBA_WORKERS: v })).toThrow(ConfigError);
      expect(() => loadConfig({ SCRIBA_WORKERS: v })).toThrow(
        /SCRIBA_WORKERS \(--workers\) must be auto or 1 to 256/,
      );
    });
  });

  describe('when the server-wide tunables are set', () => {
    it('reads them all here, typed', () => {
      const c = loadConfig({
        SCRIBA_VALIDATION_WORKERS: '3',
        SCRIBA_NATIVE: '0',
        SCRIBA_LOG_ED25519_KEY: '/keys/ed.pem',
        SCRIBA_WITNESS_INTERVAL_MS: '250',
        SCRIBA_WITNESS_TIMEOUT_MS: '900',
        SCRIBA_TILE_CACHE_MB: '0.5',
      });
      expect(c).toMatchObject({
        validationWorkers: 3,
        nativeAddon: false,
        logEd25519KeyPath: '/keys/ed.pem',
        witnesses: [],
        witnessIntervalMs: 250,
        witnessTimeoutMs: 900,
        tileCacheMb: 0.5,
      });
    });

    it('defaults to inline validation, the native addon, no witnesses and a 64 MiB tile cache', () => {
      expect(loadConfig({})).toMatchObject({
        validationWorkers: 0,
        nativeAddon: true,
        logEd25519KeyPath: undefined,
        witnesses: [],
        witnessIntervalMs: undefined,
        witnessTimeoutMs: undefined,
        tileCacheMb: 64,
      });
    });
  });

  describe('when shard settings are set', () => {
    it('reads the keyring files (resolved), the size and the period; all off by default', () => {
      expect(loadConfig({}, '/srv').shards).toEqual({
        keyPaths: [],
        maxSize: undefined,
        period: undefined,
        checkIntervalMs: 60_000,
      });
      const c = loadConfig(
        {
          SCRIBA_SHARD_KEYS: 'a.pem, /keys/b.pem',
          SCRIBA_SHARD_MAX_SIZE: '1000000',
          SCRIBA_SHARD_PERIOD: '30d',
          SCRIBA_SHARD_CHECK_INTERVAL_MS: '5000',
        },
        '/srv',
      );
      expect(c.shards).toEqual({
        keyPaths: ['/srv/a.pem', '/keys/b.pem'],
        maxSize: 1_000_000,
        period: { kind: 'age', ms: 30 * 86_400_000 },
        checkIntervalMs: 5000,
      });
      expect(loadConfig({ SCRIBA_SHARD_PERIOD: 'yearly' }).shards.period).toEqual({
        kind: 'calendar',
        unit: 'year',
      });
    });
  });

  describe('when a value is invalid', () => {
    it.each([
      ['PORT', { PORT: 'eighty' }],
      ['PORT', { PORT: '70000' }],
      ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
      ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
      ['SCRIBA_PUBLIC_URL', { SCRIBA_PUBLIC_URL: 'ftp://x' }],
      ['SCRIBA_LOG_NAME', { SCRIBA_LOG_NAME: 'has space' }],
      ['SCRIBA_LOG_NAME', { SCRIBA_LOG_NAME: 'other.host' }],
      ['SCRIBA_ORIGIN', { SCRIBA_ORIGIN: 'two\nlines' }],
      ['SCRIBA_BODY_LIMIT', { SCRIBA_BODY_LIMIT: '-1' }],
      ['SCRIBA_BATCH_MAX_SIZE', { SCRIBA_BATCH_MAX_SIZE: '0' }],
      ['SCRIBA_BATCH_MAX_WAIT_MS', { SCRIBA_BATCH_MAX_WAIT_MS: '1.5' }],
      ['SCRIBA_BATCH_PLAN_AHEAD', { SCRIBA_BATCH_PLAN_AHEAD: '3' }],
      ['SCRIBA_BATCH_PLAN_AHEAD', { SCRIBA_BATCH_PLAN_AHEAD: 'yes' }],
      ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
      ['SCRIBA_VALIDATION_WORKERS', { SCRIBA_VALIDATION_WORKERS: 'abc' }],
      ['SCRIBA_VALIDATION_WORKERS', { SCRIBA_VALIDATION_WORKERS: '17' }],
      ['SCRIBA_NATIVE', { SCRIBA_NATIVE: 'no' }],
      ['SCRIBA_WITNESSES', { SCRIBA_WITNESSES: 'not-a-url somekey' }],
      ['SCRIBA_WITNESS_INTERVAL_MS', { SCRIBA_WITNESS_INTERVAL_MS: '0' }],
      ['SCRIBA_WITNESS_TIMEOUT_MS', { SCRIBA_WITNESS_TIMEOUT_MS: 'soon' }],
      ['SCRIBA_TILE_CACHE_MB', { SCRIBA_TILE_CACHE_MB: '-5' }],
      ['SCRIBA_DB_CONNECT_TIMEOUT_MS', { SCRIBA_DB_CONNECT_TIMEOUT_MS: '0' }],
      ['SCRIBA_DB_STATEMENT_TIMEOUT_MS', { SCRIBA_DB_STATEMENT_TIMEOUT_MS: 'never' }],
      ['SCRIBA_DB_IDLE_TIMEOUT_MS', { SCRIBA_DB_IDLE_TIMEOUT_MS: '-1' }],
      ['SCRIBA_DB_IDLE_TIMEOUT_MS', { SCRIBA_DB_IDLE_TIMEOUT_MS: '' + 86_400_001 }],
      ['SCRIBA_DB_START_TIMEOUT_MS', { SCRIBA_DB_START_TIMEOUT_MS: '-5' }],
      ['SCRIBA_APPEND_QUEUE_MAX', { SCRIBA_APPEND_QUEUE_MAX: '0' }],
      ['SCRIBA_HEADERS_TIMEOUT_MS', { SCRIBA_HEADERS_TIMEOUT_MS: '1e3' }],
      ['SCRIBA_REQUEST_TIMEOUT_MS', { SCRIBA_REQUEST_TIMEOUT_MS: '99' }],
      ['SCRIBA_IDLE_TIMEOUT_MS', { SCRIBA_IDLE_TIMEOUT_MS: '' + 4_000_000_000 }],
      ['SCRIBA_SHARD_MAX_SIZE', { SCRIBA_SHARD_MAX_SIZE: '0' }],
      ['SCRIBA_SHARD_MAX_SIZE', { SCRIBA_SHARD_MAX_SIZE: 'big' }],
      ['SCRIBA_SHARD_PERIOD', { SCRIBA_SHARD_PERIOD: 'weekly' }],
      ['SCRIBA_SHARD_PERIOD', { SCRIBA_SHARD_PERIOD: '12m' }],
      ['SCRIBA_SHARD_CHECK_INTERVAL_MS', { SCRIBA_SHARD_CHECK_INTERVAL_MS: '10' }],
    ])('%s %j throws a ConfigError naming it', (name, env) => {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message.startsWith(name)).toBe(true);
      expect((err as Error).message).not.toContain('\n');
    });
  });
});

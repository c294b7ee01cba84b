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
      ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
      ['SCRIBA_DB_CONNECT_TIMEOUT_MS', { SCRIBA_DB_CONNECT_TIMEOUT_MS: '0' }],
      ['SCRIBA_DB_STATEMENT_TIMEOUT_MS', { SCRIBA_DB_STATEMENT_TIMEOUT_MS: 'never' }],
      ['SCRIBA_DB_START_TIMEOUT_MS', { SCRIBA_DB_START_TIMEOUT_MS: '-5' }],
      ['SCRIBA_APPEND_QUEUE_MAX', { SCRIBA_APPEND_QUEUE_MAX: '0' }],
      ['SCRIBA_HEADERS_TIMEOUT_MS', { SCRIBA_HEADERS_TIMEOUT_MS: '1e3' }],
      ['SCRIBA_REQUEST_TIMEOUT_MS', { SCRIBA_REQUEST_TIMEOUT_MS: '99' }],
      ['SCRIBA_IDLE_TIMEOUT_MS', { SCRIBA_IDLE_TIMEOUT_MS: '' + 4_000_000_000 }],
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

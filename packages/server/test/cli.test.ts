import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { CLI_BIN, type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';

const exec = promisify(execFile);

async function scriba(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI_BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('scriba keygen / serve / upload / trusted-root', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: SpawnedServer;
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    dir = await tempDir();
    const db = await createTestDatabase();
    cleanup.push(db.drop, dir.remove);
    const keyPath = join(dir.path, 'log.pem');
    const kg = await scriba(['keygen', '--out', keyPath]);
    expect(kg.code).toBe(0);
    expect(kg.stdout).toMatch(/^log ID: [0-9a-f]{64}$/m);
    server = await spawnServer({ DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path, SCRIBA_LOG_KEY: keyPath });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    for (const c of cleanup) await c();
  });

  describe('keygen', () => {
    it('writes a 0600 key and refuses to overwrite it', async () => {
      const keyPath = join(dir.path, 'log.pem');
      expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
      expect((await scriba(['keygen', '--out', keyPath])).code).toBe(2);
    });
  });

  describe('upload', () => {
    it('logs a hashedrekord from artifact, signature and key; a second upload prints the existing entry', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const artifact = join(dir.path, 'artifact.txt');
      await writeFile(artifact, 'hello scriba\n');
      await writeFile(
        join(dir.path, 'sig'),
        sign('sha256', await readFile(artifact), privateKey).toString('base64'),
      );
      await writeFile(join(dir.path, 'key.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
      const args = [
        'upload',
        '--url',
        server.url,
        '--artifact',
        artifact,
        '--signature',
        join(dir.path, 'sig'),
        '--public-key',
        join(dir.path, 'key.pem'),
      ];
      const first = await scriba(args);
      expect(first.code).toBe(0);
      const again = await scriba(args);
      expect(again.code).toBe(0);
      const a = JSON.parse(first.stdout) as Record<string, { logIndex: number; body: string }>;
      const b = JSON.parse(again.stdout) as Record<string, { logIndex: number; body: string }>;
      expect(Object.keys(b)).toEqual(Object.keys(a));
      expect(Object.values(b)[0]).toMatchObject({
        logIndex: Object.values(a)[0]!.logIndex,
        body: Object.values(a)[0]!.body,
      });
      expect(again.stderr).toContain('already logged');
      const body = JSON.parse(
        Buffer.from(
          Object.values(JSON.parse(first.stdout) as Record<string, { body: string }>)[0]!.body,
          'base64',
        ).toString(),
      );
      expect(body.spec.data.hash.value).toBe(createHash('sha256').update('hello scriba\n').digest('hex'));
    });

    it.each([
      ['no input', ['upload'], 2],
      ['an unreadable entry file', ['upload', '--entry', '/nonexistent.json'], 2],
    ])('%s -> exit %s', async (_n, args, code) => {
      expect((await scriba(args)).code).toBe(code);
    });

    it('a rejected entry -> exit 1', async () => {
      const f = join(dir.path, 'bad.json');
      await writeFile(f, JSON.stringify({ kind: 'nope', apiVersion: '0.0.1', spec: {} }));
      const r = await scriba(['upload', '--url', server.url, '--entry', f]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('HTTP 400');
    });
  });

  describe('serve', () => {
    it.each([
      ['--help', ['serve', '--help'], 0],
      ['an unknown flag', ['serve', '--frobnicate'], 2],
      ['a positional argument', ['serve', 'now'], 2],
    ])('%s -> exit %s', async (_n, args, code) => {
      expect((await scriba(args)).code).toBe(code);
    });
  });

  describe('trusted-root', () => {
    it('prints the trusted root the log publishes', async () => {
      const r = await scriba(['trusted-root', '--url', server.url]);
      expect(r.code).toBe(0);
      const root = JSON.parse(r.stdout) as { tlogs: { baseUrl: string }[] };
      expect(root.tlogs[0]!.baseUrl).toBe(server.url);
    });

    it('exits 2 when the log is unreachable', async () => {
      expect((await scriba(['trusted-root', '--url', 'http://127.0.0.1:1'])).code).toBe(2);
    });
  });
});

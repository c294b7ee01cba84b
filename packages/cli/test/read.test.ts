/**
 * rekor-cli's read commands on Scriba — `get`, `search`, `loginfo` (with `--state`), `logproof`,
 * `verify-entry` — end to end against a real server holding a few hundred entries: each prints only
 * what it verified against the trusted root, and each refuses an answer altered in transit by a
 * proxy (a proof hash, a checkpoint, a search result), with exit 1 and one line.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import type { RunningServer } from '../../server/src/main.js';
import { scriba } from './helpers/cli.js';
import {
  type CliTestLog,
  runCleanups,
  scribaAt,
  signWithCertificate,
  startCliTestLog,
} from './helpers/log-server.js';
import { makePrivateCa } from './helpers/pki.js';
import { alterProofHashes, flip, startTamperProxy, type TamperProxy } from './helpers/tamper-proxy.js';

const ENTRIES = 300;
let server: RunningServer;
let log: CliTestLog;
let dir: string;
let root: string;
let proxy: TamperProxy;
let tamper: (req: { method: string; path: string }, body: string) => string | undefined = () => undefined;
const cleanups: (() => Promise<unknown>)[] = [];
const p = (name: string) => join(dir, name);
let mine: { uuid: string; index: number };
let other: { uuid: string; index: number };

async function fill(n: number): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async () => {
        const r = await postEntry(server.url, hashedRekord(newSigner(), randomBytes(32)));
        expect(r.status).toBe(201);
      }),
    );
  }
}

beforeAll(async () => {
  log = await startCliTestLog('scriba_cli_read', 'scriba-read-', cleanups);
  ({ server, dir, root } = log);
  await fill(ENTRIES / 2);
  // One entry of ours (key, artifact, and a certificate with an e-mail), in the middle of the log.
  await makePrivateCa(dir, 'email.1 = me@example.com', 'me');
  await writeFile(p('mine.txt'), randomBytes(100));
  const s = await scribaAt(
    log,
    'sign',
    '--key',
    p('me.key'),
    '--artifact',
    p('mine.txt'),
    '--bundle',
    p('mine.bundle'),
  );
  expect(s.code).toBe(0);
  await writeFile(p('cert.txt'), randomBytes(100));
  const c = await signWithCertificate(log, 'me', p('cert.txt'), p('cert.bundle'));
  expect(c.code).toBe(0);
  const m = /at index (\d+) .*\(uuid ([0-9a-f]{80})\)/.exec(s.stdout);
  mine = { index: Number(m?.[1]), uuid: m?.[2] as string };
  await fill(ENTRIES / 2);
  const g = JSON.parse(
    (await scriba('get', '--log-index', '7', '--url', server.url, '--trusted-root', root, '--format', 'json'))
      .stdout,
  );
  other = { index: 7, uuid: Object.keys(g)[0] as string };
  proxy = await startTamperProxy(server.url, (req, body) => tamper(req, body));
  cleanups.unshift(() => proxy.close());
}, 180_000);
afterAll(() => runCleanups(cleanups));

const T = () => ['--url', server.url, '--trusted-root', root];

describe('when the log answers honestly', () => {
  it('get prints a verified entry by index and by UUID', async () => {
    const r = await scriba('get', '--log-index', String(mine.index), ...T());
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`Index: ${mine.index}\nIntegratedTime: `);
    expect(r.stdout).toContain(`UUID: ${mine.uuid}\n`);
    expect(r.stdout).toMatch(
      /Verified: signed entry timestamp, inclusion proof in the checkpoint of size \d+/,
    );
    const j = await scriba('get', '--uuid', mine.uuid, ...T(), '--format', 'json');
    expect(Object.keys(JSON.parse(j.stdout))).toEqual([mine.uuid]);
    const short = await scriba('get', '--uuid', mine.uuid.slice(16), ...T());
    expect(short.code).toBe(0);
  });

  it('get of an index beyond the log exits 1 NOT_FOUND naming the URL', async () => {
    const r = await scriba('get', '--log-index', '99999', ...T());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error NOT_FOUND: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/log\/entries\?logIndex=99999: HTTP 404: .+\n$/,
    );
  });

  it.each([
    ['--artifact', () => p('mine.txt'), () => mine.uuid],
    ['--public-key', () => p('me.pub'), () => mine.uuid],
    ['--email', () => 'me@example.com', () => undefined],
  ])('search %s finds our entry, verified', async (flag, value, expected) => {
    const r = await scriba('search', flag, value(), ...T());
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    if (expected()) expect(lines[0]).toBe(expected());
  });

  it('search --sha finds the same entry as --artifact; an unknown digest finds none', async () => {
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256')
      .update(await readFile(p('mine.txt')))
      .digest('hex');
    expect((await scriba('search', '--sha', `sha256:${sha}`, ...T())).stdout).toBe(`${mine.uuid}\n`);
    expect(await scriba('search', '--sha', `sha256:${'00'.repeat(32)}`, ...T())).toMatchObject({
      code: 0,
      stdout: '',
    });
  });

  it('verify-entry proves inclusion by UUID, index and artifact', async () => {
    for (const args of [
      ['--uuid', mine.uuid],
      ['--log-index', String(mine.index)],
      ['--artifact', p('mine.txt')],
    ]) {
      const r = await scriba('verify-entry', ...args, ...T());
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(
        new RegExp(
          `^verified entry ${mine.index} \\(${mine.uuid}\\): signed entry timestamp, inclusion proof in the checkpoint of size \\d+\\n$`,
        ),
      );
    }
  });

  it('loginfo verifies the checkpoint and, with --state, proves consistency with the last run', async () => {
    const state = p('loginfo.state');
    const first = await scriba('loginfo', ...T(), '--state', state);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(
      /^Verification Successful!\nOrigin: 127\.0\.0\.1:\d+ - \d+\nTree Size: \d+\n/,
    );
    await fill(5);
    const second = await scriba('loginfo', ...T(), '--state', state, '--format', 'json');
    expect(second.code).toBe(0);
    const j = JSON.parse(second.stdout);
    expect(j.consistency).toMatch(/^consistent with size \d+ from /);
    expect(j.treeSize).toBeGreaterThanOrEqual(ENTRIES + 7);
  });

  it('logproof prints a verified consistency proof; sizes beyond the log are refused', async () => {
    const r = await scriba(
      'logproof',
      '--first-size',
      '10',
      '--last-size',
      '250',
      ...T(),
      '--format',
      'json',
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ verified: true, firstSize: 10, lastSize: 250 });
    expect(j.hashes.length).toBeGreaterThan(0);
    const beyond = await scriba('logproof', '--first-size', '10', '--last-size', '100000', ...T());
    expect(beyond.code).toBe(1);
    const bad = await scriba('logproof', '--first-size', '20', '--last-size', '10', ...T());
    expect(bad.code).toBe(2);
  });
});

describe('when a proxy alters the answers', () => {
  const viaProxy = () => ['--url', proxy.url, '--trusted-root', root];
  const onPath =
    (prefix: string, change: (b: string) => string | undefined) => (req: { path: string }, body: string) =>
      req.path.startsWith(prefix) ? change(body) : undefined;
  const alterCheckpoint = (body: string) => {
    const j = JSON.parse(body) as { signedTreeHead: string };
    const lines = j.signedTreeHead.split('\n');
    lines[2] = flip(lines[2] as string); // the root hash line
    j.signedTreeHead = lines.join('\n');
    return JSON.stringify(j);
  };

  it.each([
    [
      'get',
      () => ['get', '--log-index', String(mine.index)],
      '/api/v1/log/entries',
      alterProofHashes,
      'TLOG_INCLUSION_PROOF_INVALID',
    ],
    [
      'verify-entry',
      () => ['verify-entry', '--uuid', mine.uuid],
      '/api/v1/log/entries',
      alterProofHashes,
      'TLOG_INCLUSION_PROOF_INVALID',
    ],
    [
      'search (proof)',
      () => ['search', '--public-key', p('me.pub')],
      '/api/v1/log/entries/retrieve',
      alterProofHashes,
      'TLOG_INCLUSION_PROOF_INVALID',
    ],
    [
      'search (another entry)',
      () => ['search', '--artifact', p('mine.txt')],
      '/api/v1/index/retrieve',
      () => JSON.stringify([other.uuid]),
      'SEARCH_MISMATCH',
    ],
    [
      'loginfo (checkpoint)',
      () => ['loginfo'],
      '/api/v1/log',
      alterCheckpoint,
      'TLOG_CHECKPOINT_SIGNATURE_INVALID',
    ],
    [
      'logproof',
      () => ['logproof', '--first-size', '10', '--last-size', '250'],
      '/api/v1/log/proof?firstSize=10&lastSize=250',
      alterProofHashes,
      'CONSISTENCY_PROOF_INVALID',
    ],
  ])('%s exits 1 with one line', async (_n, args, prefix, change, code) => {
    tamper = onPath(prefix, change);
    try {
      const before = proxy.tampered();
      const r = await scriba(...args(), ...viaProxy());
      expect(proxy.tampered()).toBeGreaterThan(before);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^error ${code}: [^\\n]+\\n$`));
      expect(r.stdout).toBe('');
      // The same command through the honest path passes.
      tamper = () => undefined;
      expect((await scriba(...args(), ...viaProxy())).code).toBe(0);
    } finally {
      tamper = () => undefined;
    }
  });

  it('loginfo --state refuses an altered consistency proof and keeps the old state', async () => {
    const state = p('tamper.state');
    expect((await scriba('loginfo', ...viaProxy(), '--state', state)).code).toBe(0);
    const kept = await readFile(state, 'utf8');
    await fill(3);
    tamper = onPath('/api/v1/log/proof', alterProofHashes);
    try {
      const r = await scriba('loginfo', ...viaProxy(), '--state', state);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^error CONSISTENCY_PROOF_INVALID: .+ is not an extension of the one of size \d+/,
      );
      expect(await readFile(state, 'utf8')).toBe(kept);
    } finally {
      tamper = () => undefined;
    }
  });
});

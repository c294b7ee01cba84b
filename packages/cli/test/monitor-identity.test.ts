/**
 * `scriba monitor` matches certificate identities with the SDK's X.509 parser, as `scriba verify`
 * does: a URI SAN holding a comma and a Fulcio otherName (1.3.6.1.4.1.57264.1.7, UTF8String) are
 * each one identity (Node's subjectAltName text quoted the first and dropped the second). Watched
 * keys print as sha256 fingerprints; a witness requirement fails a checkpoint without cosignatures.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEntryBody, pemDecode } from '@scriba/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/main.js';
import { matchEntry, type Watch } from '../src/commands/monitor.js';
import { scriba } from './helpers/cli.js';
import { type CliTestLog, runCleanups, signWithCertificate, startCliTestLog } from './helpers/log-server.js';
import { makePrivateCa } from './helpers/pki.js';
import { newWitnessVkey } from './helpers/witness-key.js';

const URI = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1,2';
const OTHER = 'alice@idp.example';
let server: RunningServer;
let log: CliTestLog;
let dir: string;
let root: string;
const cleanups: (() => Promise<unknown>)[] = [];
const p = (n: string) => join(dir, n);

beforeAll(async () => {
  log = await startCliTestLog('scriba_cli_monitor_id', 'scriba-monitor-id-', cleanups);
  ({ server, dir, root } = log);
  await makePrivateCa(dir, `URI.1 = ${URI}\notherName.1 = 1.3.6.1.4.1.57264.1.7;UTF8:${OTHER}`);
  await writeFile(p('a.txt'), 'artifact\n');
  const r = await signWithCertificate(log, 'leaf', p('a.txt'), p('a.bundle'));
  expect(r.code).toBe(0);
});
afterAll(() => runCleanups(cleanups));

const monitor = (...extra: string[]) =>
  scriba('monitor', '--url', server.url, '--trusted-root', root, '--once', '--json', ...extra);
const matches = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.event === 'match')
    .flatMap((e) => e.matched);

describe('scriba monitor identity matching', () => {
  it.each([
    ['a URI SAN with a comma', `^${URI.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, URI],
    ['a Fulcio otherName', `^${OTHER.replace(/\./g, '\\.')}$`, OTHER],
  ])('matches %s exactly (exit 3)', async (_n, re, value) => {
    const r = await monitor('--watch-identity', re);
    expect(r.code).toBe(3);
    expect(matches(r.stdout)).toEqual([{ type: 'identity', value }]);
  });

  it('does not match a part of the comma URI (exit 0)', async () => {
    const r = await monitor(
      '--watch-identity',
      '^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/tags/v1$',
    );
    expect(r.code).toBe(0);
  });

  it('matchEntry reads the logged certificate with the SDK parser', async () => {
    const g = JSON.parse(
      (
        await scriba(
          'get',
          '--log-index',
          '0',
          '--url',
          server.url,
          '--trusted-root',
          root,
          '--format',
          'json',
        )
      ).stdout,
    );
    const value = Object.values(g)[0] as { body: string };
    const body = parseEntryBody(new Uint8Array(Buffer.from(value.body, 'base64')));
    const watch: Watch = { identities: [/./], issuers: [], keys: [], digests: [] };
    expect(
      matchEntry(body, watch)
        .map((m) => m.value)
        .sort(),
    ).toEqual([OTHER, URI].sort());
  });

  it('shows a watched key as its sha256 fingerprint', async () => {
    const r = await monitor('--watch-key', p('leaf.pub'));
    expect(r.code).toBe(3);
    const spki = pemDecode(await readFile(p('leaf.pub'), 'utf8')).der;
    expect(matches(r.stdout)).toEqual([
      { type: 'key', value: `sha256:${createHash('sha256').update(spki).digest('hex')}` },
    ]);
  });
});

describe('scriba monitor witness requirement', () => {
  it('fails a checkpoint that lacks the required cosignatures (exit 1)', async () => {
    const w = newWitnessVkey();
    const r = await scriba(
      'monitor',
      '--url',
      server.url,
      '--trusted-root',
      root,
      '--once',
      '--require-witnesses',
      '1',
      '--witness',
      w,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^FAILURE \[TLOG_CHECKPOINT_COSIGNATURES_MISSING\]: 0 required witness cosignature\(s\) verified, 1 required\n/,
    );
  });
});

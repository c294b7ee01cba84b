/**
 * `scriba trusted-root` and `scriba signing-config` against a real server (and against a tampering
 * proxy in front of it): they print what the server publishes when every check passes, exit 1 with
 * one line when a check fails, and 2 with one line (never a stack trace) when the server cannot be
 * reached or --out cannot be written.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLog } from '../../../test/helpers/server.js';
import type { RunningServer } from '../../server/src/main.js';
import { run as signingConfig } from '../src/commands/signing-config.js';
import { run as trustedRoot } from '../src/commands/trusted-root.js';
import { captureRun } from './helpers/capture.js';

let server: RunningServer;
let dir: string;
let proxy: Server;
let proxyUrl: string;
/** Rewrites the JSON the proxy passes on for the path it names. */
let tamper: Record<string, (json: Record<string, unknown>) => unknown> = {};
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const log = await startTestLog({ database: 'scriba_cli_trust' });
  cleanups.push(log.stop);
  server = log.server;
  dir = log.dir;
  proxy = createServer(async (req, res) => {
    const r = await fetch(`${server.url}${req.url}`);
    let body = await r.text();
    const t = tamper[req.url ?? ''];
    if (t) body = JSON.stringify(t(JSON.parse(body)));
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const addr = proxy.address() as { port: number };
  proxyUrl = `http://127.0.0.1:${addr.port}`;
  cleanups.unshift(() => new Promise((resolve) => proxy.close(() => resolve())));
});
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

function oneLine(s: string): void {
  expect(s.trim().split('\n')).toHaveLength(1);
  expect(s).not.toMatch(/\n\s+at /);
}

describe('scriba trusted-root', () => {
  describe('when the server publishes a consistent trusted root', () => {
    it('prints it, with the timestamp authority, and exits 0', async () => {
      const r = await captureRun(trustedRoot, ['--url', server.url]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const root = JSON.parse(r.stdout);
      expect(root.timestampAuthorities[0].uri).toBe(`${server.url}/api/v1/timestamp`);
    });

    it('writes it to --out', async () => {
      const out = join(dir, 'trusted-root.json');
      const r = await captureRun(trustedRoot, ['--url', server.url, '--out', out]);
      expect(r.code).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8')).mediaType).toContain('trustedroot');
    });
  });

  describe('when --out cannot be written', () => {
    it('exits 2 with one line, no stack trace', async () => {
      const r = await captureRun(trustedRoot, ['--url', server.url, '--out', '/nonexistent-dir/x/root.json']);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toContain('cannot write /nonexistent-dir/x/root.json: ENOENT');
    });
  });

  describe('when the server cannot be reached', () => {
    it('exits 2 with one line', async () => {
      const r = await captureRun(trustedRoot, ['--url', 'http://127.0.0.1:1']);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
    });
  });

  describe('when the trusted root fails a check', () => {
    it.each<[string, (j: Record<string, unknown>) => unknown, string]>([
      ['not a trusted root', () => ({ hello: 'world' }), 'not a Sigstore trusted root'],
      [
        'another log key',
        (j) => {
          const tlogs = j.tlogs as { logId: { keyId: string } }[];
          tlogs[0]!.logId.keyId = Buffer.alloc(32).toString('base64');
          return j;
        },
        'does not match the log public key',
      ],
      [
        'a TSA chain without the leaf (no timeStamping usage)',
        (j) => {
          const tsa = j.timestampAuthorities as { certChain: { certificates: unknown[] } }[];
          tsa[0]!.certChain.certificates = tsa[0]!.certChain.certificates.slice(1);
          return j;
        },
        'timeStamping',
      ],
      [
        'a TSA chain in the wrong order',
        (j) => {
          const tsa = j.timestampAuthorities as { certChain: { certificates: unknown[] } }[];
          const [leaf, root] = tsa[0]!.certChain.certificates;
          tsa[0]!.certChain.certificates = [leaf, leaf, root];
          return j;
        },
        'not signed by the next',
      ],
    ])('exits 1 for %s', async (_name, t, message) => {
      tamper = { '/api/v1/log/trusted-root': t };
      try {
        const r = await captureRun(trustedRoot, ['--url', proxyUrl]);
        expect(r.code).toBe(1);
        oneLine(r.stderr);
        expect(r.stderr).toContain(message);
        expect(r.stdout).toBe('');
      } finally {
        tamper = {};
      }
    });
  });
});

describe('scriba signing-config', () => {
  describe('when the server publishes a usable signing config', () => {
    it('prints it and exits 0', async () => {
      const r = await captureRun(signingConfig, ['--url', server.url]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const sc = JSON.parse(r.stdout);
      expect(sc.mediaType).toBe('application/vnd.dev.sigstore.signingconfig.v0.2+json');
      expect(sc.tsaUrls[0].url).toBe(`${server.url}/api/v1/timestamp`);
    });

    it('writes it to --out, and an unwritable --out is one line and exit 2', async () => {
      const out = join(dir, 'signing-config.json');
      expect((await captureRun(signingConfig, ['--url', server.url, '--out', out])).code).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8')).rekorTlogUrls).toHaveLength(2);
      const bad = await captureRun(signingConfig, ['--url', server.url, '--out', dir]);
      expect(bad.code).toBe(2);
      oneLine(bad.stderr);
    });
  });

  describe('when the signing config fails a check', () => {
    it.each<[string, (j: Record<string, unknown>) => unknown, string]>([
      [
        'a v0.1 media type',
        (j) => ({ ...j, mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.1+json' }),
        'media type',
      ],
      ['an unknown selector', (j) => ({ ...j, tsaConfig: { selector: 'SOME' } }), 'selector'],
      ['EXACT without a count', (j) => ({ ...j, rekorTlogConfig: { selector: 'EXACT' } }), 'count'],
      ['no Rekor log', (j) => ({ ...j, rekorTlogUrls: [] }), 'no Rekor log'],
      [
        'a service without validity',
        (j) => ({ ...j, tsaUrls: [{ url: `${server.url}/api/v1/timestamp`, majorApiVersion: 1 }] }),
        'validFor',
      ],
      [
        'a TSA that does not answer',
        (j) => ({
          ...j,
          tsaUrls: [
            {
              url: 'http://127.0.0.1:1/api/v1/timestamp',
              majorApiVersion: 1,
              validFor: { start: '2024-01-01T00:00:00Z' },
              operator: 'x',
            },
          ],
        }),
        'the timestamp authority does not answer',
      ],
    ])('exits 1 for %s', async (_name, t, message) => {
      tamper = { '/api/v1/log/signing-config': t };
      try {
        const r = await captureRun(signingConfig, ['--url', proxyUrl]);
        expect(r.code).toBe(1);
        oneLine(r.stderr);
        expect(r.stderr).toContain(message);
      } finally {
        tamper = {};
      }
    });
  });
});

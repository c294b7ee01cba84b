import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { startTestLog, type TestLog } from '../../../test/helpers/server.js';
import type { RunningServer } from '../src/main.js';

type Spec = {
  data: { hash: { algorithm: string; value: string } };
  signature: { content: string; publicKey: { content: string } };
};

/** A valid entry with one change applied to its spec. */
function mutated(f: (spec: Spec, entry: Record<string, unknown>) => void): Record<string, unknown> {
  const e = hashedRekord(newSigner());
  f(e.spec as Spec, e);
  return e;
}

const BODY_LIMIT = 64 * 1024;

describe('bad input', () => {
  let server: RunningServer;
  let url: string;
  let log: TestLog | undefined;

  beforeAll(async () => {
    log = await startTestLog({ env: { SCRIBA_BODY_LIMIT: String(BODY_LIMIT) } });
    server = log.server;
    url = server.url;
    expect((await postEntry(url, hashedRekord(newSigner()))).status).toBe(201);
  });
  afterAll(async () => {
    await log?.stop();
  });

  describe('when a request comes without a network socket (Fastify inject)', () => {
    it('is answered as over HTTP, not with a 500', async () => {
      const r = await server.app.inject({ method: 'GET', url: '/api/v1/log' });
      expect(r.statusCode).toBe(200);
      expect(JSON.parse(r.body).treeSize).toBeTypeOf('number');
    });
  });
  describe('POST /api/v1/log/entries', () => {
    describe('when the body is over the limit', () => {
      it('answers 413', async () => {
        const e = mutated((s) => {
          (s as unknown as { padding: string }).padding = 'x'.repeat(BODY_LIMIT);
        });
        const r = await postEntry(url, e);
        expect(r.status).toBe(413);
        expect(await r.json()).toMatchObject({ code: 413, reason: 'PAYLOAD_TOO_LARGE' });
      });
    });

    describe('when the body is not a valid proposed entry', () => {
      it.each([
        ['malformed JSON', '{"kind": "hashedrekord",', undefined],
        ['a JSON array', '[]', 'body'],
        ['an empty object', '{}', 'kind'],
        ['a missing spec', JSON.stringify({ kind: 'hashedrekord', apiVersion: '0.0.1' }), 'spec'],
      ])('%s -> 400', async (_n, raw, field) => {
        const r = await fetch(`${url}/api/v1/log/entries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: raw,
        });
        expect(r.status).toBe(400);
        const body = (await r.json()) as { code: number; field?: string };
        expect(body.code).toBe(400);
        if (field) expect(body.field).toBe(field);
      });

      it('a non-JSON content type -> 400 (the body must be a JSON object)', async () => {
        const r = await fetch(`${url}/api/v1/log/entries`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'hello',
        });
        expect(r.status).toBe(400);
      });
    });

    describe('when a field is invalid', () => {
      it.each([
        [
          'unknown kind',
          (_s: Spec, e: Record<string, unknown>) => (e.kind = 'rpm'),
          'UNSUPPORTED_KIND',
          'kind',
        ],
        [
          'unknown apiVersion',
          (_s: Spec, e: Record<string, unknown>) => (e.apiVersion = '9.9.9'),
          'UNSUPPORTED_KIND',
          'apiVersion',
        ],
        [
          'bad base64 signature',
          (s: Spec) => (s.signature.content = '!!notbase64!!'),
          'INVALID_ENTRY',
          'spec.signature.content',
        ],
        [
          'bad hex digest',
          (s: Spec) => (s.data.hash.value = 'zz'.repeat(32)),
          'INVALID_ENTRY',
          'spec.data.hash.value',
        ],
        [
          'wrong digest length',
          (s: Spec) => (s.data.hash.value = 'ab'.repeat(20)),
          'INVALID_ENTRY',
          'spec.data.hash.value',
        ],
        [
          'bad PEM public key',
          (s: Spec) =>
            (s.signature.publicKey.content = Buffer.from('-----BEGIN PUBLIC KEY-----\nAAAA\n').toString(
              'base64',
            )),
          undefined,
          'spec.signature.publicKey.content',
        ],
        [
          'a signature that does not verify',
          (s: Spec) => (s.data.hash.value = 'ab'.repeat(32)),
          'SIGNATURE_INVALID',
          undefined,
        ],
      ])('%s -> 400 naming the field', async (_n, f, reason, field) => {
        const r = await postEntry(url, mutated(f));
        expect(r.status).toBe(400);
        const body = (await r.json()) as { code: number; reason: string; field: string; message: string };
        expect(body.code).toBe(400);
        if (reason) expect(body.reason).toBe(reason);
        if (field) {
          expect(body.field).toBe(field);
          expect(body.message).toContain(field);
        }
      });
    });
  });

  describe('reads', () => {
    it.each([
      ['an index past the tree', '/api/v1/log/entries?logIndex=1', 404],
      ['a huge index', '/api/v1/log/entries?logIndex=9007199254740991', 404],
      ['an index beyond safe integers', '/api/v1/log/entries?logIndex=9007199254740993', 400],
      ['a negative index', '/api/v1/log/entries?logIndex=-1', 400],
      ['an index of 1e309 (Infinity once coerced)', '/api/v1/log/entries?logIndex=1e309', 400],
      ['an index of Infinity', '/api/v1/log/entries?logIndex=Infinity', 400],
      ['an index of -Infinity', '/api/v1/log/entries?logIndex=-Infinity', 400],
      ['an index of 400 digits', `/api/v1/log/entries?logIndex=${'9'.repeat(400)}`, 400],
      ['a firstSize of 1e309', '/api/v1/log/proof?firstSize=1e309&lastSize=1', 400],
      ['a lastSize of Infinity', '/api/v1/log/proof?firstSize=1&lastSize=Infinity', 400],
      ['a non-numeric index', '/api/v1/log/entries?logIndex=abc', 400],
      ['no index', '/api/v1/log/entries', 400],
      ['an unknown UUID', `/api/v1/log/entries/${'ab'.repeat(40)}`, 404],
      ['an unknown leaf hash', `/api/v1/log/entries/${'ab'.repeat(32)}`, 404],
      ['a malformed UUID', '/api/v1/log/entries/xyz', 400],
      ['firstSize > lastSize', '/api/v1/log/proof?firstSize=2&lastSize=1', 400],
      ['lastSize past the tree', '/api/v1/log/proof?firstSize=1&lastSize=5', 400],
      ['firstSize past the tree', '/api/v1/log/proof?firstSize=7', 400],
      ['a non-numeric size', '/api/v1/log/proof?firstSize=x&lastSize=1', 400],
      ['an unknown tree ID', '/api/v1/log/proof?firstSize=1&lastSize=1&treeID=1', 400],
      ['an unknown route', '/api/v1/nope', 404],
    ])('%s -> %s', async (_n, path, status) => {
      const r = await fetch(`${url}${path}`);
      expect(r.status).toBe(status);
      expect(((await r.json()) as { code: number }).code).toBe(status);
    });

    it.each([
      ['too many UUIDs', '/api/v1/log/entries/retrieve', { entryUUIDs: Array(11).fill('ab'.repeat(32)) }],
      ['an unknown query field', '/api/v1/log/entries/retrieve', { foo: 1 }],
      [
        'an invalid proposed entry',
        '/api/v1/log/entries/retrieve',
        { entries: [{ kind: 'x', apiVersion: '1', spec: {} }] },
      ],
      ['an empty index query', '/api/v1/index/retrieve', {}],
      ['a bad hash', '/api/v1/index/retrieve', { hash: 'sha256:xyz' }],
      ['a bad email type', '/api/v1/index/retrieve', { email: { a: 1 } }],
      ['a NUL byte in an email', '/api/v1/index/retrieve', { email: 'a\u0000@example.com' }],
      ['a NUL byte in a subject', '/api/v1/index/retrieve', { subject: 'x\u0000y' }],
      ['a NUL byte in an email (and)', '/api/v1/index/retrieve', { email: '\u0000', operator: 'and' }],
      ['a key without content', '/api/v1/index/retrieve', { publicKey: { format: 'x509' } }],
      ['a key with bad base64', '/api/v1/index/retrieve', { publicKey: { format: 'x509', content: '%%%' } }],
      ['an unknown key format', '/api/v1/index/retrieve', { publicKey: { format: 'gpg', content: 'AAAA' } }],
    ])('POST with %s -> 400', async (_n, path, body) => {
      const r = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { code: number }).code).toBe(400);
    });
  });

  describe('after all of the above', () => {
    it('the tree holds only the one valid entry (no partial writes)', async () => {
      const info = (await (await fetch(`${url}/api/v1/log`)).json()) as { treeSize: number };
      expect(info.treeSize).toBe(1);
    });
  });
});

/**
 * The SDK's writers, each checked against its reader or an independent tool: `bundleToJson` gives
 * back what `parseBundle` read (conformance bundles v0.1–v0.3); `tlogEntryFromRekorV1` refuses a
 * malformed LogEntry with a code; in-toto statements round-trip and cosign's predicate type names
 * resolve; `encodeTimeStampRequest` is a TimeStampReq OpenSSL reads (`openssl ts -query -in`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bundleToJson,
  encodeStatement,
  parseBundle,
  parseStatement,
  predicateTypeUri,
  tlogEntryFromRekorV1,
  verifyPredicateType,
} from '../src/bundle/index.js';
import { utf8Encode } from '../src/encoding.js';
import { encodeTimeStampRequest } from '../src/x509/index.js';

const CASES = join(
  import.meta.dirname,
  '../../../test/vectors/sigstore-conformance/test/assets/bundle-verify',
);
const happy = readdirSync(CASES).filter((d) => /happy-path/.test(d) && !d.endsWith('_fail'));

describe('bundleToJson', () => {
  it.each(happy.map((d) => [d]))('%s: parseBundle(bundleToJson(b)) equals b', (d) => {
    const b = parseBundle(readFileSync(join(CASES, d, 'bundle.sigstore.json')));
    expect(parseBundle(bundleToJson(b))).toEqual(b);
  });
});

describe('tlogEntryFromRekorV1', () => {
  const value = {
    body: Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: {} })).toString(
      'base64',
    ),
    integratedTime: 1,
    logID: 'aa'.repeat(32),
    logIndex: 3,
    verification: {
      signedEntryTimestamp: 'AAAA',
      inclusionProof: { logIndex: 3, treeSize: 4, rootHash: 'bb'.repeat(32), hashes: [], checkpoint: 'x' },
    },
  };
  it.each([
    ['a non-object', 'nope'],
    ['a negative logIndex', { ...value, logIndex: -1 }],
    ['a logID that is not hex', { ...value, logID: 'zz' }],
    ['a body that is not base64', { ...value, body: '%%' }],
    [
      'hashes that are not an array',
      { ...value, verification: { inclusionProof: { ...value.verification.inclusionProof, hashes: 'x' } } },
    ],
  ])('refuses %s with TLOG_ENTRY_MALFORMED', (_n, v) => {
    expect(() => tlogEntryFromRekorV1(v)).toThrow(expect.objectContaining({ code: 'TLOG_ENTRY_MALFORMED' }));
  });
});

describe('in-toto statements', () => {
  it('round-trips a statement and checks its predicate type by short name or URI', () => {
    const payload = encodeStatement({
      subjects: [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }],
      predicateType: predicateTypeUri('cyclonedx'),
      predicate: { bomFormat: 'CycloneDX' },
    });
    const s = parseStatement(payload);
    expect(s).toMatchObject({
      type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://cyclonedx.org/bom',
    });
    expect(() => verifyPredicateType(s, 'cyclonedx')).not.toThrow();
    expect(() => verifyPredicateType(s, 'https://cyclonedx.org/bom')).not.toThrow();
    expect(() => verifyPredicateType(s, 'spdxjson')).toThrow(
      expect.objectContaining({ code: 'PREDICATE_TYPE_MISMATCH' }),
    );
  });

  it.each([
    ['slsaprovenance1', 'https://slsa.dev/provenance/v1'],
    ['slsaprovenance', 'https://slsa.dev/provenance/v0.2'],
    ['spdx', 'https://spdx.dev/Document'],
    ['openvex', 'https://openvex.dev/ns'],
    ['https://example.com/p/v1', 'https://example.com/p/v1'],
  ])('%s is %s', (name, uri) => expect(predicateTypeUri(name)).toBe(uri));

  it.each([
    ['not JSON', 'nope'],
    ['no subject', JSON.stringify({ _type: 't', predicateType: 'p', subject: [] })],
    [
      'a subject without digest',
      JSON.stringify({ _type: 't', predicateType: 'p', subject: [{ name: 'a' }] }),
    ],
  ])('refuses a statement with %s (BUNDLE_INVALID)', (_n, text) => {
    expect(() => parseStatement(utf8Encode(text))).toThrow(
      expect.objectContaining({ code: 'BUNDLE_INVALID' }),
    );
  });
});

describe('encodeTimeStampRequest', () => {
  it('is a TimeStampReq that OpenSSL reads back (version, imprint, nonce, certReq)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scriba-tsq-'));
    const digest = new Uint8Array(32).fill(7);
    writeFileSync(
      join(dir, 'req.tsq'),
      encodeTimeStampRequest({ algorithm: 'sha256', digest, nonce: new Uint8Array([1, 2, 3]) }),
    );
    const r = spawnSync('openssl', ['ts', '-query', '-in', join(dir, 'req.tsq'), '-text'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Version: 1/);
    expect(r.stdout).toMatch(/Hash Algorithm: sha256/);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('07 07 07 07');
    expect(r.stdout).toMatch(/Nonce: 0x010203/);
    expect(r.stdout).toMatch(/Certificate required: yes/);
  });
});

/**
 * Bundle and TrustedRoot parsing (sigstore protobuf-specs, protobuf-JSON): media types and
 * versions, per-version structure rules, protobuf-JSON spellings, strict coded errors — and a
 * property test that no mutation of a real bundle makes the parser or the verifier throw anything
 * but a VerificationError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeProtoBytes,
  parseBundle,
  parseTime,
  parseTrustedRoot,
  windowContains,
} from '../src/bundle/index.js';
import { isVerificationError, prepareTrustMaterial, verifyBundle } from '../src/verify/index.js';
import { CASES, PROD_ROOT } from './conformance-cases.js';

const text = (name: string) => readFileSync(join(CASES, name, 'bundle.sigstore.json'), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: free-form bundle JSON mutated by the tests
const json = (name: string): any => JSON.parse(text(name));

describe('parseBundle', () => {
  describe('when given each media type', () => {
    it.each([
      [
        'happy-path-v0.1',
        'application/vnd.dev.sigstore.bundle+json;version=0.1',
        '0.1',
        'x509CertificateChain',
      ],
      [
        'happy-path-v0.2',
        'application/vnd.dev.sigstore.bundle+json;version=0.2',
        '0.2',
        'x509CertificateChain',
      ],
      ['happy-path-v0.3', 'application/vnd.dev.sigstore.bundle+json;version=0.3', '0.3', 'certificate'],
      [
        'happy-path-v0.3-new-mediaType',
        'application/vnd.dev.sigstore.bundle.v0.3+json',
        '0.3',
        'certificate',
      ],
      ['managed-key-happy-path', 'application/vnd.dev.sigstore.bundle.v0.3+json', '0.3', 'publicKey'],
    ])('%s parses as v%s', (name, mediaType, version, material) => {
      const b = parseBundle(text(name));
      expect(b).toMatchObject({ mediaType, version, verificationMaterial: { kind: material } });
    });

    it('parses the entry fields', () => {
      const b = parseBundle(text('happy-path-v0.3'));
      expect(b.tlogEntries[0]).toMatchObject({
        logIndex: 79571823,
        kind: 'hashedrekord',
        version: '0.0.1',
        integratedTime: 1710869186,
        inclusionProof: { logIndex: 75408392, treeSize: 75408393 },
      });
      expect(b.tlogEntries[0]?.inclusionProof?.hashes).toHaveLength(11);
      expect(b.content).toMatchObject({ kind: 'messageSignature', messageDigest: { algorithm: 'sha256' } });
    });

    it('parses a DSSE envelope and RFC 3161 timestamps', () => {
      const b = parseBundle(text('rekor2-dsse-happy-path'));
      expect(b.content).toMatchObject({ kind: 'dsseEnvelope', payloadType: 'application/vnd.in-toto+json' });
      expect(b.rfc3161Timestamps).toHaveLength(1);
    });

    it('reads an omitted entry logIndex as 0 (protobuf-JSON drops zero int64s: the first entry of a log)', () => {
      const b = json('happy-path-v0.3');
      delete b.verificationMaterial.tlogEntries[0].logIndex;
      expect(parseBundle(b).tlogEntries[0]?.logIndex).toBe(0);
    });

    it('accepts bytes and parsed JSON', () => {
      expect(parseBundle(new TextEncoder().encode(text('happy-path-v0.1'))).version).toBe('0.1');
      expect(parseBundle(json('happy-path-v0.1')).version).toBe('0.1');
    });
  });

  describe('when the bundle is malformed', () => {
    it.each([
      ['not JSON', '{', 'BUNDLE_PARSE_ERROR'],
      ['not UTF-8', new Uint8Array([0xff, 0xfe]), 'BUNDLE_PARSE_ERROR'],
      ['not an object', '[]', 'BUNDLE_INVALID'],
      ['without media type', '{}', 'BUNDLE_INVALID'],
      [
        'with version 99.9',
        JSON.stringify({
          ...json('happy-path-v0.1'),
          mediaType: 'application/vnd.dev.sigstore.bundle+json;version=99.9',
        }),
        'BUNDLE_UNSUPPORTED_VERSION',
      ],
      [
        'with v0.4',
        JSON.stringify({
          ...json('happy-path-v0.1'),
          mediaType: 'application/vnd.dev.sigstore.bundle.v0.4+json',
        }),
        'BUNDLE_UNSUPPORTED_VERSION',
      ],
    ])('refuses one %s', (_d, input, code) => {
      expect(() => parseBundle(input)).toThrow(expect.objectContaining({ code }));
    });

    const mutations: [string, string, (b: ReturnType<typeof json>) => void][] = [
      [
        'happy-path-v0.1',
        'an empty certificate chain',
        (b) => (b.verificationMaterial.x509CertificateChain.certificates = []),
      ],
      ['happy-path-v0.1', 'two kinds of material', (b) => (b.verificationMaterial.publicKey = { hint: 'x' })],
      [
        'happy-path-v0.1',
        'no SET in v0.1',
        (b) => delete b.verificationMaterial.tlogEntries[0].inclusionPromise,
      ],
      [
        'happy-path-v0.2',
        'no inclusion proof in v0.2',
        (b) => delete b.verificationMaterial.tlogEntries[0].inclusionProof,
      ],
      [
        'happy-path-v0.3',
        'a certificate chain in v0.3',
        (b) => {
          b.verificationMaterial.x509CertificateChain = {
            certificates: [b.verificationMaterial.certificate],
          };
          delete b.verificationMaterial.certificate;
        },
      ],
      [
        'happy-path-v0.3',
        'a negative log index',
        (b) => (b.verificationMaterial.tlogEntries[0].logIndex = '-5'),
      ],
      [
        'happy-path-v0.3',
        'an unsafe integer',
        (b) => (b.verificationMaterial.tlogEntries[0].logIndex = '9007199254740993'),
      ],
      [
        'happy-path-v0.3',
        'a fractional integer',
        (b) => (b.verificationMaterial.tlogEntries[0].integratedTime = 1.5),
      ],
      ['happy-path-v0.3', 'a missing log id', (b) => delete b.verificationMaterial.tlogEntries[0].logId],
      [
        'happy-path-v0.3',
        'a missing kindVersion',
        (b) => delete b.verificationMaterial.tlogEntries[0].kindVersion,
      ],
      [
        'happy-path-v0.3',
        'a missing body',
        (b) => delete b.verificationMaterial.tlogEntries[0].canonicalizedBody,
      ],
      [
        'happy-path-v0.3',
        'invalid base64 in a proof hash',
        (b) => (b.verificationMaterial.tlogEntries[0].inclusionProof.hashes[0] = '!!'),
      ],
      [
        'happy-path-v0.3',
        'a non-string proof hash',
        (b) => (b.verificationMaterial.tlogEntries[0].inclusionProof.hashes[0] = 5),
      ],
      ['happy-path-v0.3', 'no content', (b) => delete b.messageSignature],
      [
        'happy-path-v0.3',
        'an unknown digest algorithm',
        (b) => (b.messageSignature.messageDigest.algorithm = 'MD5'),
      ],
      [
        'happy-path-intoto-in-dsse-v3',
        'two DSSE signatures',
        (b) => b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0]),
      ],
      ['happy-path-intoto-in-dsse-v3', 'no DSSE signature', (b) => (b.dsseEnvelope.signatures = [])],
    ];
    it.each(mutations)('%s with %s is BUNDLE_INVALID', (name, _d, mutate) => {
      const b = json(name);
      mutate(b);
      expect(() => parseBundle(b)).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    });
  });
});

describe('decodeProtoBytes', () => {
  it.each([
    ['standard with padding', 'AQID/w==', [1, 2, 3, 255]],
    ['standard without padding', 'AQID/w', [1, 2, 3, 255]],
    ['URL-safe', 'AQID_w', [1, 2, 3, 255]],
    ['with line breaks', 'AQ\nID\r\n/w==', [1, 2, 3, 255]],
    ['URL-safe, padded', 'AQID_w==', [1, 2, 3, 255]],
    ['with line breaks, a multiple of 4 long', 'A\nQ\nI\nD\n/w==', [1, 2, 3, 255]],
    [
      'URL-safe, long',
      `${'_-'.repeat(40)}AQID_w==`,
      [...Array(20).fill([255, 239, 254]).flat(), 1, 2, 3, 255],
    ],
  ])('decodes %s', (_d, s, want) => {
    expect([...decodeProtoBytes(s)]).toEqual(want);
  });
  it.each(['A', 'AQID/w=', '!!!!', 'AQ ID'])('refuses %j', (s) => {
    expect(() => decodeProtoBytes(s)).toThrow(/^base64: /);
  });
});

describe('parseTrustedRoot', () => {
  it('parses the production root', () => {
    const r = parseTrustedRoot(PROD_ROOT);
    expect(r.tlogs.map((t) => t.baseUrl)).toEqual([
      'https://rekor.sigstore.dev',
      'https://log2025-1.rekor.sigstore.dev',
    ]);
    expect(r.certificateAuthorities.length).toBe(2);
    expect(r.tlogs[0]?.validFor.window?.start).toBe(Date.parse('2021-01-12T11:53:27Z'));
  });

  describe('when a validity window is malformed', () => {
    it.each([
      ['has no start', { end: '2030-01-01T00:00:00Z' }],
      ['is empty', {}],
      ['has a bad start', { start: 'yesterday' }],
      ['ends before it starts', { start: '2030-01-01T00:00:00Z', end: '2020-01-01T00:00:00Z' }],
    ])('keeps the instance but refuses to use it when the window %s', (_d, validFor) => {
      const root = JSON.parse(PROD_ROOT);
      root.tlogs[0].publicKey.validFor = validFor;
      const r = parseTrustedRoot(root);
      expect(r.tlogs[0]?.validFor.invalid).toBeDefined();
      expect(() => windowContains(r.tlogs[0]!.validFor, Date.now())).toThrow(
        expect.objectContaining({ code: 'TRUSTED_ROOT_INVALID' }),
      );
    });
  });

  it('treats windows as closed intervals, and an absent window as unbounded', () => {
    const w = { window: { start: 1000, end: 2000 } };
    expect([999, 1000, 2000, 2001].map((t) => windowContains(w, t))).toEqual([false, true, true, false]);
    expect(windowContains({}, 0)).toBe(true);
  });

  it.each([
    ['not JSON', '{'],
    ['an unknown media type', JSON.stringify({ ...JSON.parse(PROD_ROOT), mediaType: 'x' })],
    [
      'a CA without certificates',
      JSON.stringify({
        ...JSON.parse(PROD_ROOT),
        certificateAuthorities: [{ certChain: { certificates: [] } }],
      }),
    ],
    [
      'a tlog without key bytes',
      JSON.stringify({ ...JSON.parse(PROD_ROOT), tlogs: [{ publicKey: {}, logId: { keyId: 'AA==' } }] }),
    ],
  ])('refuses %s', (_d, input) => {
    expect(() => parseTrustedRoot(input)).toThrow(expect.objectContaining({ code: 'TRUSTED_ROOT_INVALID' }));
  });

  it('parses RFC 3339 times with fractions and offsets', () => {
    expect(parseTime('2021-03-14T00:00:00.000Z')).toBe(Date.parse('2021-03-14T00:00:00Z'));
    expect(parseTime('2021-03-14T01:00:00+01:00')).toBe(Date.parse('2021-03-14T00:00:00Z'));
    expect(parseTime('2021-03-14')).toBeUndefined();
  });
});

describe('verifyBundle on arbitrary mutations', () => {
  const base = text('happy-path-v0.3');
  const trustMaterial = prepareTrustMaterial(PROD_ROOT);
  const artifact = new Uint8Array(readFileSync(join(CASES, 'a.txt')));

  it('never throws anything but a VerificationError (byte mutations)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(base.length - 1), fc.integer({ min: 32, max: 126 }), async (pos, ch) => {
        const mutated = base.slice(0, pos) + String.fromCharCode(ch) + base.slice(pos + 1);
        try {
          await verifyBundle(mutated, { trustMaterial, artifact });
        } catch (e) {
          if (!isVerificationError(e)) throw e;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never throws anything but a VerificationError (value replacements)', async () => {
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      paths.push(p);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
    };
    const root = JSON.parse(base);
    walk(root, []);
    const values = fc.oneof(
      fc.constant(null),
      fc.constant(-1),
      fc.constant(''),
      fc.constant('AAAA'),
      fc.constant({}),
      fc.constant([]),
      fc.string(),
      fc.integer(),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(paths.length - 1), values, async (i, v) => {
        const b = JSON.parse(base);
        const p = paths[i] as string[];
        if (p.length === 0) return;
        let o = b;
        for (const k of p.slice(0, -1)) o = o[k];
        o[p[p.length - 1] as string] = v;
        try {
          await verifyBundle(b, { trustMaterial, artifact });
        } catch (e) {
          if (!isVerificationError(e)) throw e;
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * One test per check of `verifyBundle`: starting from a valid bundle, exactly one thing is wrong,
 * and the verifier refuses with that check's code. Key-signed cases use a log built in the test
 * (verify-testlog.ts); certificate, SCT and RFC 3161 cases start from real sigstore-conformance
 * happy paths.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../src/bundle/index.js';
import { ed25519PublicKeyFromRaw, sha256 } from '../src/crypto/index.js';
import { base64Decode, base64Encode, utf8Encode } from '../src/encoding.js';
import { cosignatureSigner, noteVerifierFromPublicKey, parseNote, signNote } from '../src/note/index.js';
import {
  Artifact,
  prepareTrustMaterial,
  resolveSigner,
  type TrustMaterial,
  type VerifyBundleOptions,
  verifyBundle,
  verifySigningCertificate,
  verifyTlogEntry,
} from '../src/verify/index.js';
import { parseCertificate } from '../src/x509/index.js';
import { CASES, PROD_ROOT } from './conformance-cases.js';
import { hashedRekordBody, type KeyPair, messageBundle, newKey, sign, TestLog } from './verify-testlog.js';

const artifact = utf8Encode('hello, scriba\n');
let log: TestLog;
let signer: KeyPair;
let trustMaterial: TrustMaterial;
let good: ReturnType<typeof messageBundle>;
let goodIndex: number;

// biome-ignore lint/suspicious/noExplicitAny: free-form bundle JSON mutated by the tests
type Json = Record<string, any>;
const clone = (v: unknown): Json => structuredClone(v) as Json;
const options = (): VerifyBundleOptions => ({ trustMaterial, artifact, publicKey: signer.pem });

beforeAll(async () => {
  log = await TestLog.create();
  signer = await newKey();
  trustMaterial = prepareTrustMaterial(log.trustedRoot());
  const sig = await sign(signer, artifact);
  goodIndex = log.append(hashedRekordBody(sha256(artifact), sig, signer.pem));
  good = messageBundle(sha256(artifact), sig, [await log.entry(goodIndex)]);
});

async function expectCode(p: Promise<unknown>, code: string) {
  await expect(p).rejects.toMatchObject({ name: 'VerificationError', code });
}

describe('verifyBundle', () => {
  it('verifies the unmodified bundle and reports what it verified', async () => {
    const r = await verifyBundle(good, options());
    expect(r.signer.type).toBe('publicKey');
    expect(r.tlogEntries).toEqual([
      expect.objectContaining({
        logIndex: goodIndex,
        signedEntryTimestampVerified: true,
        inclusionProofVerified: true,
      }),
    ]);
    expect(r.timestamps).toEqual([
      expect.objectContaining({ source: 'transparency-log', time: log.integratedTime * 1000 }),
    ]);
    expect(r.artifactDigest?.digest).toEqual(sha256(artifact));
  });

  describe('when the bundle structure is wrong', () => {
    const entry0 = (b: Json): Json => b.verificationMaterial.tlogEntries[0];
    const cases: [string, (b: Json) => unknown, string][] = [
      ['not JSON', () => '{"mediaType":', 'BUNDLE_PARSE_ERROR'],
      [
        'an unknown media type',
        (b) => ({ ...b, mediaType: 'application/vnd.dev.sigstore.bundle.v0.4+json' }),
        'BUNDLE_UNSUPPORTED_VERSION',
      ],
      ['a negative log index', (b) => Object.assign(entry0(b), { logIndex: '-1' }) && b, 'BUNDLE_INVALID'],
      [
        'a non-integer log index',
        (b) => Object.assign(entry0(b), { logIndex: '1e3' }) && b,
        'BUNDLE_INVALID',
      ],
      [
        'invalid base64',
        (b) => Object.assign(b.messageSignature, { signature: 'not base64!' }) && b,
        'BUNDLE_INVALID',
      ],
      [
        'both content kinds',
        (b) => ({ ...b, dsseEnvelope: { payload: 'AA==', payloadType: 't', signatures: [] } }),
        'BUNDLE_INVALID',
      ],
      [
        'a v0.3 certificate chain',
        (b) => ({
          ...b,
          verificationMaterial: {
            x509CertificateChain: { certificates: [{ rawBytes: 'AA==' }] },
            tlogEntries: b.verificationMaterial.tlogEntries,
          },
        }),
        'BUNDLE_INVALID',
      ],
      [
        'a v0.2 entry without inclusion proof',
        (b) => {
          delete entry0(b).inclusionProof;
          return { ...b, mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' };
        },
        'BUNDLE_INVALID',
      ],
      [
        'a v0.1 entry without SET',
        (b) => {
          delete entry0(b).inclusionPromise;
          return { ...b, mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1' };
        },
        'BUNDLE_INVALID',
      ],
    ];
    it.each(cases)('refuses %s', async (_d, mutate, code) => {
      await expectCode(verifyBundle(mutate(clone(good)), options()), code);
    });

    it('accepts snake_case protobuf field names and int64 numbers', async () => {
      const b = clone(good);
      const e = b.verificationMaterial.tlogEntries[0];
      e.log_index = Number(e.logIndex);
      delete e.logIndex;
      b.verification_material = b.verificationMaterial;
      delete b.verificationMaterial;
      await expect(verifyBundle(b, options())).resolves.toBeDefined();
    });
  });

  describe('when the trusted root is wrong', () => {
    it('refuses a log validity window without a start', async () => {
      const tm = prepareTrustMaterial(log.trustedRoot({ validFor: { end: '2099-01-01T00:00:00Z' } }));
      await expectCode(verifyBundle(good, { ...options(), trustMaterial: tm }), 'TRUSTED_ROOT_INVALID');
    });
    it('refuses an unknown trusted-root media type', () => {
      expect(() => prepareTrustMaterial({ ...log.trustedRoot(), mediaType: 'x' })).toThrow(
        expect.objectContaining({ code: 'TRUSTED_ROOT_INVALID' }),
      );
    });
  });

  describe('when the signer material is wrong', () => {
    it('refuses a key-signed bundle without a key', async () => {
      await expectCode(verifyBundle(good, { trustMaterial, artifact }), 'PUBLIC_KEY_REQUIRED');
    });
    it('refuses an unparseable key', async () => {
      await expectCode(verifyBundle(good, { ...options(), publicKey: 'not a key' }), 'PUBLIC_KEY_INVALID');
    });
    it('refuses an identity policy on a key-signed bundle', async () => {
      await expectCode(verifyBundle(good, { ...options(), policy: { issuer: 'x' } }), 'IDENTITY_MISMATCH');
    });
    it('refuses bad options', async () => {
      await expectCode(verifyBundle(good, { ...options(), tlogThreshold: -1 }), 'OPTIONS_INVALID');
    });
  });

  describe('when the artifact is wrong', () => {
    it('needs the artifact or its digest', async () => {
      await expectCode(verifyBundle(good, { trustMaterial, publicKey: signer.pem }), 'ARTIFACT_REQUIRED');
    });
    it('refuses another artifact (digest hint disagrees)', async () => {
      await expectCode(
        verifyBundle(good, { ...options(), artifact: utf8Encode('x') }),
        'MESSAGE_DIGEST_MISMATCH',
      );
    });
    it('verifies from the digest alone (prehashed signature)', async () => {
      const { artifact: _a, ...rest } = options();
      await expect(
        verifyBundle(good, { ...rest, artifactDigest: { algorithm: 'sha256', digest: sha256(artifact) } }),
      ).resolves.toBeDefined();
    });
  });

  describe('when only the signature is wrong', () => {
    it('refuses a logged signature that does not verify', async () => {
      const bad = await sign(signer, utf8Encode('something else'));
      const i = log.append(hashedRekordBody(sha256(artifact), bad, signer.pem));
      await expectCode(
        verifyBundle(messageBundle(sha256(artifact), bad, [await log.entry(i)]), options()),
        'SIGNATURE_INVALID',
      );
    });
  });

  describe('when a tlog check fails', () => {
    it('refuses an entry whose kindVersion is not its body', async () => {
      const b = clone(good);
      b.verificationMaterial.tlogEntries[0].kindVersion.version = '0.0.2';
      await expectCode(verifyBundle(b, options()), 'TLOG_KIND_VERSION_MISMATCH');
    });
    it('refuses a malformed body', async () => {
      const b = clone(good);
      b.verificationMaterial.tlogEntries[0].canonicalizedBody = base64Encode(
        utf8Encode('{"kind":"hashedrekord"}'),
      );
      await expectCode(verifyBundle(b, options()), 'TLOG_ENTRY_MALFORMED');
    });
    it('refuses a log that is not in the trusted root', async () => {
      const other = await TestLog.create();
      await expectCode(
        verifyBundle(good, { ...options(), trustMaterial: prepareTrustMaterial(other.trustedRoot()) }),
        'TLOG_UNTRUSTED_LOG',
      );
    });
    it.each([
      ['ends before', { start: '2020-01-01T00:00:00Z', end: '2025-01-01T00:00:00Z' }],
      ['starts after', { start: '2026-01-01T00:00:00Z' }],
    ])('refuses a log whose window %s the entry time', async (_d, validFor) => {
      const tm = prepareTrustMaterial(log.trustedRoot({ validFor }));
      await expectCode(verifyBundle(good, { ...options(), trustMaterial: tm }), 'TLOG_LOG_NOT_VALID_AT_TIME');
    });
    it('accepts an entry time equal to the window end (closed interval)', async () => {
      const end = new Date(log.integratedTime * 1000).toISOString();
      const tm = prepareTrustMaterial(log.trustedRoot({ validFor: { start: '2020-01-01T00:00:00Z', end } }));
      await expect(verifyBundle(good, { ...options(), trustMaterial: tm })).resolves.toBeDefined();
    });
    it('refuses a SET that does not verify', async () => {
      const b = clone(good);
      const e = b.verificationMaterial.tlogEntries[0];
      e.inclusionPromise.signedEntryTimestamp = base64Encode(
        await log.set(base64Decode(e.canonicalizedBody), goodIndex, 1),
      );
      await expectCode(verifyBundle(b, options()), 'TLOG_SET_INVALID');
    });
    it('refuses an inclusion proof with a flipped hash', async () => {
      const b = clone(good);
      const h = base64Decode(b.verificationMaterial.tlogEntries[0].inclusionProof.hashes[0]);
      h[0] = (h[0] as number) ^ 1;
      b.verificationMaterial.tlogEntries[0].inclusionProof.hashes[0] = base64Encode(h);
      await expectCode(verifyBundle(b, options()), 'TLOG_INCLUSION_PROOF_INVALID');
    });
    it('refuses a proof for another index (no SET: indices must be equal)', async () => {
      const b = clone(good);
      const e = b.verificationMaterial.tlogEntries[0];
      delete e.inclusionPromise;
      e.logIndex = String(goodIndex + 1);
      await expectCode(verifyBundle(b, { ...options(), timestampThreshold: 0 }), 'TLOG_PROOF_INDEX_MISMATCH');
    });
    it('refuses a missing checkpoint', async () => {
      const b = clone(good);
      delete b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint;
      await expectCode(verifyBundle(b, options()), 'TLOG_CHECKPOINT_MISSING');
    });
    it('does not use a checkpoint-less proof of a v0.1 bundle (the SET proves inclusion)', async () => {
      const b = clone(good);
      b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
      delete b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint;
      const r = await verifyBundle(b, options());
      expect(r.tlogEntries[0]).toMatchObject({
        signedEntryTimestampVerified: true,
        inclusionProofVerified: false,
      });
    });
    it('refuses a malformed checkpoint', async () => {
      const b = clone(good);
      const cp = b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint;
      cp.envelope = cp.envelope.replace(/\n[0-9]+\n/, '\nten\n');
      await expectCode(verifyBundle(b, options()), 'TLOG_CHECKPOINT_MALFORMED');
    });
    it('refuses a checkpoint signed by another key', async () => {
      const b = clone(good);
      const size = Number(b.verificationMaterial.tlogEntries[0].inclusionProof.treeSize);
      b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope = await log.checkpoint(
        size,
        await newKey(),
      );
      await expectCode(verifyBundle(b, options()), 'TLOG_CHECKPOINT_SIGNATURE_INVALID');
    });
    it('refuses a genuine checkpoint of another tree size', async () => {
      const b = clone(good);
      b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope =
        await log.checkpoint(goodIndex);
      await expectCode(verifyBundle(b, options()), 'TLOG_CHECKPOINT_MISMATCH');
    });
    describe('when witnesses are required', () => {
      const seed = new Uint8Array(32).fill(7);
      const witness = cosignatureSigner('witness.scriba.test', seed);
      const witnesses = () => ({
        verifiers: [
          noteVerifierFromPublicKey('witness.scriba.test', ed25519PublicKeyFromRaw(witness.publicKey), {
            cosignature: true,
          }),
        ],
        threshold: 1,
      });
      const cosigned = async () => {
        const b = clone(good);
        const cp = b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint;
        cp.envelope = await signNote(parseNote(cp.envelope), [witness]);
        return b;
      };
      it('accepts a checkpoint cosigned by the witness', async () => {
        const r = await verifyBundle(await cosigned(), { ...options(), witnesses: witnesses() });
        expect(r.tlogEntries[0]?.witnesses).toHaveLength(1);
      });
      it('ignores the cosignature when no witness is required', async () => {
        await expect(verifyBundle(await cosigned(), options())).resolves.toBeDefined();
      });
      it('refuses a checkpoint without the cosignature', async () => {
        await expectCode(
          verifyBundle(good, { ...options(), witnesses: witnesses() }),
          'TLOG_CHECKPOINT_COSIGNATURES_MISSING',
        );
      });
      it('refuses too few cosignatures', async () => {
        await expectCode(
          verifyBundle(await cosigned(), { ...options(), witnesses: { ...witnesses(), threshold: 2 } }),
          'TLOG_CHECKPOINT_COSIGNATURES_MISSING',
        );
      });
    });

    it('refuses too few logs', async () => {
      await expectCode(verifyBundle(good, { ...options(), tlogThreshold: 2 }), 'TLOG_THRESHOLD_NOT_MET');
    });
    it('refuses an entry with neither SET nor proof', async () => {
      const bundle = parseBundle(good);
      const entry = { ...(bundle.tlogEntries[0] as (typeof bundle.tlogEntries)[0]) };
      delete entry.signedEntryTimestamp;
      delete entry.inclusionProof;
      const s = resolveSigner(bundle, trustMaterial, signer.pem);
      await expectCode(
        verifyTlogEntry(entry, bundle, s, new Artifact({ artifact }), trustMaterial),
        'TLOG_ENTRY_UNPROVEN',
      );
    });
    describe('when no time is verified and the caller allows it (timestampThreshold 0)', () => {
      const noSet = () => {
        const b = clone(good);
        delete b.verificationMaterial.tlogEntries[0].inclusionPromise;
        return b;
      };
      it('accepts a log trusted now', async () => {
        await expect(verifyBundle(noSet(), { ...options(), timestampThreshold: 0 })).resolves.toBeDefined();
      });
      it('refuses a log no longer trusted now', async () => {
        const tm = prepareTrustMaterial(
          log.trustedRoot({ validFor: { start: '2020-01-01T00:00:00Z', end: '2024-01-01T00:00:00Z' } }),
        );
        await expectCode(
          verifyBundle(noSet(), { ...options(), trustMaterial: tm, timestampThreshold: 0 }),
          'TLOG_LOG_NOT_VALID_AT_TIME',
        );
      });
      it('checks a certificate at the current time', async () => {
        const b = JSON.parse(readFileSync(join(CASES, 'rekor2-happy-path', 'bundle.sigstore.json'), 'utf8'));
        delete b.verificationMaterial.timestampVerificationData;
        const tm = prepareTrustMaterial(
          readFileSync(join(CASES, 'rekor2-happy-path', 'trusted_root.json'), 'utf8'),
        );
        const a = new Uint8Array(readFileSync(join(CASES, 'a.txt')));
        const opts = { trustMaterial: tm, artifact: a, timestampThreshold: 0 };
        await expectCode(verifyBundle(b, opts), 'CERTIFICATE_NOT_VALID_AT_TIME');
        await expect(
          verifyBundle(b, { ...opts, currentTime: Date.parse('2025-06-12T12:05:00Z') }),
        ).resolves.toBeDefined();
      });
    });
    it('refuses when no time is verified (no SET, no timestamp)', async () => {
      const b = clone(good);
      delete b.verificationMaterial.tlogEntries[0].inclusionPromise;
      await expectCode(verifyBundle(b, options()), 'TIMESTAMP_THRESHOLD_NOT_MET');
    });
  });
});

describe('verifyBundle with certificates and timestamps', () => {
  const load = (name: string) => readFileSync(join(CASES, name, 'bundle.sigstore.json'), 'utf8');
  const root = (name: string) => readFileSync(join(CASES, name, 'trusted_root.json'), 'utf8');
  const a = new Uint8Array(readFileSync(join(CASES, 'a.txt')));
  const prod = prepareTrustMaterial(PROD_ROOT);
  const rekor2 = prepareTrustMaterial(root('rekor2-happy-path'));

  it('returns the certificate identity', async () => {
    const r = await verifyBundle(load('happy-path-v0.3'), { trustMaterial: prod, artifact: a });
    expect(r.signer).toMatchObject({
      type: 'certificate',
      issuer: 'https://token.actions.githubusercontent.com',
      subjectAlternativeName: expect.stringContaining('extremely-dangerous-oidc-beacon.yml@refs/heads/main'),
      verifiedScts: 1,
    });
  });

  it.each([
    ['another SAN', { subjectAlternativeName: 'https://example.com/x' }, 'IDENTITY_MISMATCH'],
    ['a SAN regexp that does not match', { subjectAlternativeName: /^mailto:/ }, 'IDENTITY_MISMATCH'],
    ['another issuer', { issuer: 'https://accounts.google.com' }, 'ISSUER_MISMATCH'],
    ['an issuer regexp that does not match', { issuer: /^https:\/\/gitlab\.com$/ }, 'ISSUER_MISMATCH'],
  ] as const)('refuses %s', async (_d, policy, code) => {
    await expectCode(
      verifyBundle(load('happy-path-v0.3'), { trustMaterial: prod, artifact: a, policy }),
      code,
    );
  });

  it('accepts matching regexps', async () => {
    const policy = {
      subjectAlternativeName: /^https:\/\/github\.com\/sigstore-conformance\//,
      issuer: /githubusercontent/,
    };
    await expect(
      verifyBundle(load('happy-path-v0.3'), { trustMaterial: prod, artifact: a, policy }),
    ).resolves.toBeDefined();
  });

  it('refuses a certificate from an untrusted CA', async () => {
    // The staging root trusts neither the production Fulcio nor Rekor; keep only its CAs and the prod logs.
    const staging = JSON.parse(root('rekor2-happy-path'));
    const mixed = { ...JSON.parse(PROD_ROOT), certificateAuthorities: staging.certificateAuthorities };
    await expectCode(
      verifyBundle(load('happy-path-v0.3'), { trustMaterial: prepareTrustMaterial(mixed), artifact: a }),
      'CERTIFICATE_CHAIN_UNTRUSTED',
    );
  });

  it.each([
    ['without the code-signing usage', { extKeyUsage: [] }],
    ['that is a CA', { isCA: true }],
  ])('refuses a signing certificate %s', async (_d, change) => {
    const vm = parseBundle(load('happy-path-v0.3')).verificationMaterial as { certificate: Uint8Array };
    const leaf = { ...parseCertificate(vm.certificate), ...change };
    await expectCode(
      verifySigningCertificate(leaf, [Date.parse('2024-03-19T17:26:30Z')], prod, 1),
      'CERTIFICATE_USAGE_INVALID',
    );
  });

  it('refuses a signing certificate with an unknown critical extension', async () => {
    const vm = parseBundle(load('happy-path-v0.3')).verificationMaterial as { certificate: Uint8Array };
    const leaf = parseCertificate(vm.certificate);
    const odd = {
      ...leaf,
      extensions: [...leaf.extensions, { oid: '1.2.3.4', critical: true, value: new Uint8Array() }],
    };
    await expectCode(
      verifySigningCertificate(odd, [Date.parse('2024-03-19T17:26:30Z')], prod, 1),
      'CERTIFICATE_USAGE_INVALID',
    );
  });

  it('refuses a supplied key that is not the certificate key', async () => {
    const other = await newKey();
    await expectCode(
      verifyBundle(load('happy-path-v0.3'), { trustMaterial: prod, artifact: a, publicKey: other.pem }),
      'PUBLIC_KEY_MISMATCH',
    );
  });

  it('refuses a malformed certificate', async () => {
    const b = JSON.parse(load('happy-path-v0.3'));
    b.verificationMaterial.certificate.rawBytes = base64Encode(utf8Encode('not DER'));
    await expectCode(verifyBundle(b, { trustMaterial: prod, artifact: a }), 'CERTIFICATE_MALFORMED');
  });

  it('refuses when the SCT threshold is not met', async () => {
    await expectCode(
      verifyBundle(load('happy-path-v0.3'), { trustMaterial: prod, artifact: a, ctlogThreshold: 2 }),
      'SCT_THRESHOLD_NOT_MET',
    );
  });

  it('verifies a Rekor v2 bundle with an RFC 3161 timestamp', async () => {
    const r = await verifyBundle(load('rekor2-happy-path'), { trustMaterial: rekor2, artifact: a });
    expect(r.timestamps).toEqual([
      expect.objectContaining({ source: 'rfc3161', time: Date.parse('2025-06-12T12:02:20Z') }),
    ]);
    expect(r.tlogEntries[0]).toMatchObject({
      logIndex: 735,
      signedEntryTimestampVerified: false,
      inclusionProofVerified: true,
    });
  });

  it('checks a given artifact against the in-toto subjects of a DSSE bundle', async () => {
    const b = load('happy-path-intoto-in-dsse-v3');
    await expect(verifyBundle(b, { trustMaterial: prod, artifact: a })).resolves.toBeDefined();
    await expect(verifyBundle(b, { trustMaterial: prod })).resolves.toBeDefined();
    await expectCode(
      verifyBundle(b, { trustMaterial: prod, artifact: utf8Encode('x') }),
      'MESSAGE_DIGEST_MISMATCH',
    );
  });

  it('refuses a malformed timestamp', async () => {
    const b = JSON.parse(load('rekor2-happy-path'));
    b.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp = base64Encode(
      utf8Encode('junk'),
    );
    await expectCode(verifyBundle(b, { trustMaterial: rekor2, artifact: a }), 'TIMESTAMP_MALFORMED');
  });

  it('refuses a timestamp whose CMS signature does not verify', async () => {
    const b = JSON.parse(load('rekor2-happy-path'));
    const ts = base64Decode(
      b.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp,
    );
    // The last bytes are the signer's ECDSA signature value: flip a bit inside s.
    ts[ts.length - 3] = (ts[ts.length - 3] as number) ^ 0x01;
    b.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp = base64Encode(ts);
    await expectCode(verifyBundle(b, { trustMaterial: rekor2, artifact: a }), 'TIMESTAMP_SIGNATURE_INVALID');
  });
});

/**
 * Log shards in the verifier (issue 11): a Rekor v1 entry carries a global logIndex (shard offset +
 * tree-local index) and an inclusion proof with the tree-local index against its shard's checkpoint
 * (origin `<name> - <treeID>`); with or without a signed entry timestamp it verifies, a proof index
 * above the global index is refused, and a Rekor v2 entry's indices must be equal. Genuine
 * public-good bundles (sigstore-conformance) with their SET removed, and bundles built with the test
 * log with a shard offset.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../src/bundle/index.js';
import { parsePublicKey, sha256 } from '../src/crypto/index.js';
import { utf8Encode } from '../src/encoding.js';
import {
  prepareTrustMaterial,
  type VerifyBundleOptions,
  verifyBundle,
  verifyInclusionProof,
} from '../src/verify/index.js';
import { loadConformanceCases, runConformanceCase } from './conformance-cases.js';
import {
  hashedRekordBody,
  hashedRekordV2Body,
  type KeyPair,
  messageBundle,
  newKey,
  ORIGIN,
  sign,
  TestLog,
} from './verify-testlog.js';

// biome-ignore lint/suspicious/noExplicitAny: free-form bundle JSON mutated by the tests
type Json = Record<string, any>;

const TREE_ID = '1193050959916656506';
const OFFSET = 1_000_000;

async function expectCode(p: Promise<unknown>, code: string) {
  await expect(p).rejects.toMatchObject({ name: 'VerificationError', code });
}

describe('a genuine public-good sharded Rekor v1 bundle', () => {
  const cases = loadConformanceCases();
  const byName = (n: string) => {
    const c = cases.find((x) => x.name === n);
    if (!c) throw new Error(`no conformance case ${n}`);
    return c;
  };
  /** The case's bundle with its first entry edited (the rest of the bundle stays genuine). */
  const edited = (n: string, edit: (e: Json) => void) => {
    const c = byName(n);
    const b = JSON.parse(c.bundle) as Json;
    edit(b.verificationMaterial.tlogEntries[0]);
    return { ...c, bundle: JSON.stringify(b) };
  };
  const noSet = (e: Json) => {
    delete e.inclusionPromise;
  };

  // Both carry an RFC 3161 timestamp; their proof index is tree-local, below the global logIndex.
  it.each([
    ['v0.3, hashedrekord, key-signed', 'managed-key-happy-path', 771488337, 649584075],
    ['v0.2, intoto, certificate, custom trusted root', 'intoto-with-custom-trust-root', 4288993, 0],
  ])('%s (%s) verifies without its SET', async (_d, name, global, local) => {
    const c = byName(name);
    const e = (JSON.parse(c.bundle) as Json).verificationMaterial.tlogEntries[0];
    expect([Number(e.logIndex), Number(e.inclusionProof.logIndex)]).toEqual([global, local]);
    const r = await runConformanceCase(edited(name, noSet));
    expect(r.tlogEntries).toEqual([
      expect.objectContaining({
        logIndex: global,
        signedEntryTimestampVerified: false,
        inclusionProofVerified: true,
      }),
    ]);
    expect(r.timestamps.map((t) => t.source)).toEqual(['rfc3161']);
  });

  it('is refused without its SET when the proof index exceeds the global index', async () => {
    const c = edited('managed-key-happy-path', (e) => {
      noSet(e);
      e.logIndex = String(Number(e.inclusionProof.logIndex) - 1);
    });
    await expectCode(runConformanceCase(c), 'TLOG_PROOF_INDEX_MISMATCH');
  });
});

describe('bundles from a sharded test log', () => {
  let signer: KeyPair;
  const artifact = utf8Encode('sharded artifact\n');
  let sig: Uint8Array;
  // A Rekor v1 shard (origin names its tree), an unsharded log whose origin names no tree, a v2 log.
  let shard: TestLog;
  let plain: TestLog;
  let v2: TestLog;
  let v1Index: number;
  let plainIndex: number;
  let v2Index: number;

  beforeAll(async () => {
    signer = await newKey();
    sig = await sign(signer, artifact);
    shard = await TestLog.create(`${ORIGIN} - ${TREE_ID}`);
    plain = await TestLog.create();
    v2 = await TestLog.create();
    v1Index = shard.append(hashedRekordBody(sha256(artifact), sig, signer.pem));
    plainIndex = plain.append(hashedRekordBody(sha256(artifact), sig, signer.pem));
    v2Index = v2.append(hashedRekordV2Body(sha256(artifact), sig, signer.spki));
  });

  type Row = {
    log: () => TestLog;
    index: () => number;
    /** The claimed (global) logIndex relative to the tree-local proof index. */
    delta: number;
    set: boolean;
    /** What the SET signs, relative to the proof index (default: the claimed logIndex). */
    setDelta?: number;
    expected: 'ok' | string;
  };
  const v1 = { log: () => shard, index: () => v1Index };
  const unsharded = { log: () => plain, index: () => plainIndex };
  const rekor2 = { log: () => v2, index: () => v2Index };
  const rows: [string, Row][] = [
    ['v1: proof index below the global index, with SET', { ...v1, delta: OFFSET, set: true, expected: 'ok' }],
    ['v1: proof index below the global index, no SET', { ...v1, delta: OFFSET, set: false, expected: 'ok' }],
    ['v1: proof index equal to the global index, no SET', { ...v1, delta: 0, set: false, expected: 'ok' }],
    [
      'v1: proof index above the global index, with SET',
      { ...v1, delta: -1, set: true, expected: 'TLOG_PROOF_INDEX_MISMATCH' },
    ],
    [
      'v1: proof index above the global index, no SET',
      { ...v1, delta: -1, set: false, expected: 'TLOG_PROOF_INDEX_MISMATCH' },
    ],
    [
      'v1: a SET over the tree-local index, not the global one',
      { ...v1, delta: OFFSET, set: true, setDelta: 0, expected: 'TLOG_SET_INVALID' },
    ],
    [
      'v1: proof index below the global index, the checkpoint names no tree, with SET',
      { ...unsharded, delta: OFFSET, set: true, expected: 'TLOG_PROOF_INDEX_MISMATCH' },
    ],
    [
      'v1: proof index below the global index, the checkpoint names no tree, no SET',
      { ...unsharded, delta: OFFSET, set: false, expected: 'TLOG_PROOF_INDEX_MISMATCH' },
    ],
    ['v1: unsharded log, equal indices, no SET', { ...unsharded, delta: 0, set: false, expected: 'ok' }],
    ['v2: equal indices', { ...rekor2, delta: 0, set: false, expected: 'ok' }],
    [
      'v2: proof index below the entry index',
      { ...rekor2, delta: OFFSET, set: false, expected: 'TLOG_PROOF_INDEX_MISMATCH' },
    ],
    [
      'v2: proof index below the entry index, even with a SET',
      { ...rekor2, delta: OFFSET, set: true, expected: 'TLOG_PROOF_INDEX_MISMATCH' },
    ],
    [
      'v2: proof index above the entry index',
      { ...rekor2, delta: -1, set: false, expected: 'TLOG_PROOF_INDEX_MISMATCH' },
    ],
  ];

  it.each(rows)('%s', async (_d, row) => {
    const log = row.log();
    const index = row.index();
    const logIndex = index + row.delta;
    const entry = await log.entry(index, {
      set: row.set,
      logIndex,
      setIndex: index + (row.setDelta ?? row.delta),
    });
    const bundle = messageBundle(sha256(artifact), sig, [entry]);
    const options: VerifyBundleOptions = {
      trustMaterial: prepareTrustMaterial(log.trustedRoot()),
      artifact,
      publicKey: signer.pem,
      // Without a SET nothing here carries a verified time; the certificate-less key needs none.
      ...(row.set ? {} : { timestampThreshold: 0 }),
    };
    if (row.expected === 'ok') {
      const r = await verifyBundle(bundle, options);
      expect(r.tlogEntries).toEqual([
        expect.objectContaining({
          logIndex,
          signedEntryTimestampVerified: row.set,
          inclusionProofVerified: true,
        }),
      ]);
    } else {
      await expectCode(verifyBundle(bundle, options), row.expected);
    }
  });

  it.each([
    ['rekord', '0.0.1', 'ok'],
    ['hashedrekord', '0.0.2', 'TLOG_PROOF_INDEX_MISMATCH'],
  ])(
    'verifyInclusionProof (what `scriba get` uses) reads a %s@%s entry with a shard offset as its API says',
    async (kind, version, expected) => {
      const entry = await shard.entry(v1Index, { logIndex: v1Index + OFFSET, kind, version });
      const e = parseBundle(messageBundle(sha256(artifact), sig, [entry])).tlogEntries[0]!;
      const p = verifyInclusionProof(e, parsePublicKey(shard.key.spki));
      if (expected === 'ok') await expect(p).resolves.toMatchObject({ proof: { logIndex: v1Index } });
      else await expectCode(p, expected);
    },
  );
});

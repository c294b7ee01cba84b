/**
 * The offline Sigstore bundle verifier. `verifyBundle` runs the checks in a fixed order — each check
 * lives in its own module and throws a VerificationError with its own code:
 *
 *  0. bundle structure and media type (bundle/bundle.ts)
 *  1. signer material: supplied key / certificate, no shipped root (signer.ts)
 *  2. the artifact: digest computed here, the bundle's digest hint must agree (artifact.ts)
 *  3. the signature over the artifact / digest / DSSE PAE (signature.ts)
 *  4. every transparency log entry: kindVersion, THE BINDING, trusted log, SET, inclusion proof and
 *     signed checkpoint; then the tlog threshold (tlog-entries.ts)
 *  5. RFC 3161 timestamps and verified times; the timestamp threshold (timestamps.ts)
 *  6. each log trusted at its entry's time (log-validity.ts)
 *  7. certificate path to a trusted CA at every verified time, usage, SCTs (certificate.ts)
 *  8. identity policy (identity.ts)
 *
 * The result says what was verified: the signer, the log entries, the times used.
 *
 * With `options.cache` (crypto/verification-cache.ts; verify-bundles.ts passes one per batch), a
 * certificate or RFC 3161 token is parsed, and a signature checked, once per distinct byte string
 * within the cache's life; every other rule above still runs for this bundle.
 *
 * Without it, one memo serves the whole process for the log's checkpoint signature only
 * (`defaultCheckpointCache`): a checkpoint is a log-wide signed statement that many bundles carry
 * byte for byte (every entry integrated under it), like the trust material's keys and CA chains,
 * which are checked once per prepared trust material. It is keyed by the exact key, note text and
 * signature bytes and keeps successes only; everything per bundle (the artifact signature, binding,
 * SET, inclusion proof up to the checkpoint's root, certificate, SCTs, timestamps, validity windows)
 * is still checked for every bundle. `cache: false` turns it off.
 */
import { parseBundle } from '../bundle/bundle.js';
import type { Bundle } from '../bundle/types.js';
import { VerificationCache } from '../crypto/verification-cache.js';
import { prefetchIssuers } from '../x509/chain.js';
import { checkArtifact } from './artifact.js';
import { prefetchScts, verifySigningCertificate } from './certificate.js';
import { VerificationError } from './errors.js';
import { certificateIdentity, verifyIdentity } from './identity.js';
import { verifyLogValidity } from './log-validity.js';
import type { VerificationResult, VerifiedSigner, VerifyBundleOptions } from './options.js';
import { verifyContentSignature } from './signature.js';
import { resolveSigner } from './signer.js';
import { verifyRfc3161Timestamps, verifyTimestamps } from './timestamps.js';
import { verifyTlogEntries } from './tlog-entries.js';

/**
 * The process-wide memo of checkpoint signatures that verified (see the module comment): bounded
 * (1,024 entries, 1 MiB), least recently used first out, successes only.
 */
const processCheckpointCache = new VerificationCache({ maxEntries: 1024, maxBytes: 2 ** 20 });

/** The process-wide checkpoint memo used when `verifyBundle` is given no `cache` (for `clear()`, stats). */
export function defaultCheckpointCache(): VerificationCache {
  return processCheckpointCache;
}

/** Marks a promise as handled (its rejection is observed later, in order). */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

function threshold(v: number | undefined, name: string): number {
  if (v === undefined) return 1;
  if (!Number.isSafeInteger(v) || v < 0)
    throw new VerificationError('OPTIONS_INVALID', `${name} must be a non-negative integer`);
  return v;
}

/**
 * Verifies a Sigstore bundle (JSON text, bytes, parsed JSON or a parsed Bundle) offline. Resolves
 * with what was verified, or rejects with a coded VerificationError.
 */
export async function verifyBundle(
  input: Bundle | string | Uint8Array | unknown,
  options: VerifyBundleOptions,
): Promise<VerificationResult> {
  if (!options || typeof options !== 'object' || !options.trustMaterial) {
    throw new VerificationError(
      'OPTIONS_INVALID',
      'options.trustMaterial is required (prepareTrustMaterial)',
    );
  }
  const tlogThreshold = threshold(options.tlogThreshold, 'tlogThreshold');
  const ctlogThreshold = threshold(options.ctlogThreshold, 'ctlogThreshold');
  const timestampThreshold = threshold(options.timestampThreshold, 'timestampThreshold');
  const trust = options.trustMaterial;
  const w = options.witnesses;
  if (w && (!Array.isArray(w.verifiers) || !Number.isSafeInteger(w.threshold) || w.threshold < 1)) {
    throw new VerificationError('OPTIONS_INVALID', 'witnesses needs verifiers and a positive threshold');
  }

  const given = options.cache;
  if (given !== undefined && given !== false && !(given instanceof VerificationCache)) {
    throw new VerificationError(
      'OPTIONS_INVALID',
      'options.cache must come from createVerificationCache (or be false)',
    );
  }
  const cache = given === false ? undefined : given;
  const checkpointCache = given === false ? undefined : (given ?? processCheckpointCache);

  const bundle = isParsedBundle(input) ? input : parseBundle(input);
  const signer = resolveSigner(bundle, trust, options.publicKey, cache);
  // The steps' signature checks are independent, so they are started together (WebCrypto runs them
  // on its thread pool) and awaited in the fixed order: the error reported is always the first
  // failing step's. The slow-curve checks (the leaf's issuer, a TSA's: P-384 on node:crypto's pool)
  // are started first, as soon as the signer is known, so they run while the main thread does the
  // rest.
  if (signer.type === 'certificate') prefetchIssuers(signer.leaf, trust.certificateAuthorities);
  const rfc3161 = settled(verifyRfc3161Timestamps(bundle, trust, cache));
  const artifact = checkArtifact(bundle, {
    ...(options.artifact !== undefined ? { artifact: options.artifact } : {}),
    ...(options.artifactDigest !== undefined ? { artifactDigest: options.artifactDigest } : {}),
  });
  const scts =
    signer.type === 'certificate' && ctlogThreshold > 0 ? prefetchScts(signer.leaf, trust, cache) : undefined;
  const signature = settled(verifyContentSignature(bundle, signer.key, artifact, cache));
  const tlog = settled(
    verifyTlogEntries(
      bundle,
      signer,
      artifact,
      trust,
      tlogThreshold,
      options.witnesses,
      cache,
      checkpointCache,
    ),
  );
  await signature;
  const entries = await tlog;
  const times = await verifyTimestamps(bundle, entries, trust, timestampThreshold, rfc3161);
  const now = options.currentTime ?? Date.now();
  verifyLogValidity(entries, times.rfc3161, now);

  let verifiedSigner: VerifiedSigner;
  if (signer.type === 'certificate') {
    // With no verified time (timestampThreshold 0) the certificate must be valid now, as with
    // sigstore-go's WithCurrentTime; short-lived Fulcio certificates then fail, as they should.
    const { chain, verifiedScts } = await verifySigningCertificate(
      signer.leaf,
      times.all.length > 0 ? times.all.map((t) => t.time) : [now],
      trust,
      ctlogThreshold,
      scts,
      cache,
    );
    verifyIdentity(signer.leaf, options.policy);
    const id = certificateIdentity(signer.leaf);
    verifiedSigner = {
      type: 'certificate',
      // A copy: with a cache, the parsed certificate is shared with the batch's other bundles.
      certificate: signer.leaf.der.slice(),
      authority: chain.authority.uri,
      verifiedScts,
      ...(id.san !== undefined ? { subjectAlternativeName: id.san } : {}),
      ...(id.issuer !== undefined ? { issuer: id.issuer } : {}),
    };
  } else {
    if (
      options.policy &&
      (options.policy.subjectAlternativeName !== undefined || options.policy.issuer !== undefined)
    ) {
      throw new VerificationError(
        'IDENTITY_MISMATCH',
        'an identity policy was given but the bundle is signed with a key',
      );
    }
    verifiedSigner = { type: 'publicKey', publicKey: signer.key };
  }

  const result: VerificationResult = {
    mediaType: bundle.mediaType,
    version: bundle.version,
    signer: verifiedSigner,
    tlogEntries: entries.map((e) => e.result),
    timestamps: times.all,
  };
  if (bundle.content.kind === 'messageSignature') {
    const alg = artifact.anyAlgorithm(bundle.content.messageDigest?.algorithm ?? 'sha256');
    const d = artifact.digest(alg);
    if (d) result.artifactDigest = { algorithm: alg, digest: d };
  }
  return result;
}

function isParsedBundle(v: unknown): v is Bundle {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof Uint8Array) &&
    typeof (v as Bundle).version === 'string' &&
    typeof (v as Bundle).content === 'object' &&
    Array.isArray((v as Bundle).rfc3161Timestamps)
  );
}

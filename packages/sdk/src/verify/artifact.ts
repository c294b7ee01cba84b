/**
 * Step 2 — the artifact. For message-signature bundles the digest of the artifact is computed here
 * from the bytes the caller supplies (or taken from the digest the caller computed); it is never
 * taken from the bundle. The bundle's messageDigest is an unauthenticated hint, but when present it
 * MUST equal the artifact's digest (else MESSAGE_DIGEST_MISMATCH: the artifact is not the one this
 * bundle was made for). DSSE bundles carry their payload and need no artifact; when one is given
 * with an in-toto statement, it MUST be one of the statement's subjects (by sha256/sha384/sha512).
 */
import type { Bundle, DsseEnvelopeContent, HashAlgorithm } from '../bundle/types.js';
import { digest } from '../crypto/index.js';
import { bytesEqual, hexEncode, utf8Decode } from '../encoding.js';
import { VerificationError } from './errors.js';

export type ArtifactInput = {
  artifact?: Uint8Array;
  artifactDigest?: { algorithm: HashAlgorithm; digest: Uint8Array };
};

/** The artifact as the later steps see it: bytes when known, and digests computed on demand. */
export class Artifact {
  private readonly cache = new Map<HashAlgorithm, Uint8Array>();
  constructor(readonly input: ArtifactInput) {}

  get bytes(): Uint8Array | undefined {
    return this.input.artifact;
  }

  /** The artifact's digest with `alg`, or undefined when only a digest with another algorithm is known. */
  digest(alg: HashAlgorithm): Uint8Array | undefined {
    const cached = this.cache.get(alg);
    if (cached) return cached;
    let d: Uint8Array | undefined;
    if (this.input.artifact) d = digest(alg, this.input.artifact);
    else if (this.input.artifactDigest?.algorithm === alg) d = this.input.artifactDigest.digest;
    if (d) this.cache.set(alg, d);
    return d;
  }

  /** The algorithm of a known digest (preferring `preferred`). */
  anyAlgorithm(preferred: HashAlgorithm): HashAlgorithm {
    if (this.input.artifact) return preferred;
    return this.input.artifactDigest?.algorithm ?? preferred;
  }
}

/** Checks the artifact input against the bundle content. Throws ARTIFACT_REQUIRED / MESSAGE_DIGEST_MISMATCH. */
export function checkArtifact(bundle: Bundle, input: ArtifactInput): Artifact {
  const artifact = new Artifact(input);
  if (input.artifact !== undefined && !(input.artifact instanceof Uint8Array)) {
    throw new VerificationError('OPTIONS_INVALID', 'artifact must be a Uint8Array');
  }
  if (bundle.content.kind !== 'messageSignature') {
    if (input.artifact !== undefined || input.artifactDigest !== undefined)
      checkSubject(bundle.content, artifact);
    return artifact;
  }
  if (input.artifact === undefined && input.artifactDigest === undefined) {
    throw new VerificationError(
      'ARTIFACT_REQUIRED',
      'a message-signature bundle needs the artifact or its digest',
    );
  }
  const md = bundle.content.messageDigest;
  if (md) {
    const d = artifact.digest(md.algorithm);
    if (d === undefined) {
      throw new VerificationError('ARTIFACT_REQUIRED', `the artifact's ${md.algorithm} digest is needed`);
    }
    if (!bytesEqual(d, md.digest)) {
      throw new VerificationError(
        'MESSAGE_DIGEST_MISMATCH',
        "the artifact's digest differs from the bundle's",
      );
    }
  }
  return artifact;
}

const IN_TOTO = 'application/vnd.in-toto+json';

/** For an in-toto statement, the supplied artifact MUST be one of its subjects. */
function checkSubject(content: DsseEnvelopeContent, artifact: Artifact): void {
  if (content.payloadType !== IN_TOTO) return;
  let subjects: unknown;
  try {
    subjects = (JSON.parse(utf8Decode(content.payload)) as { subject?: unknown }).subject;
  } catch (cause) {
    throw new VerificationError('MESSAGE_DIGEST_MISMATCH', 'the in-toto payload is not JSON', { cause });
  }
  const list = Array.isArray(subjects) ? subjects : [];
  for (const alg of ['sha256', 'sha384', 'sha512'] as const) {
    const d = artifact.digest(alg);
    if (!d) continue;
    const hex = hexEncode(d);
    for (const s of list) {
      const v = (s as { digest?: Record<string, unknown> } | null)?.digest?.[alg];
      if (typeof v === 'string' && v.toLowerCase() === hex) return;
    }
  }
  throw new VerificationError(
    'MESSAGE_DIGEST_MISMATCH',
    'the artifact is not a subject of the in-toto statement',
  );
}

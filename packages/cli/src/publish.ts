/**
 * What `scriba sign` and `scriba attest` share once the content is signed: obtain a timestamp
 * (when asked, and always on Rekor v2, which has no signed entry timestamp), log the entry (v1 or
 * v2), assemble a Sigstore bundle v0.3 from the log's answer with the SDK (`assembleBundle`,
 * `tlogEntryFromRekorV1/V2`), and check it with the SDK verifier (`verifyBundle`: the SET and the
 * checkpoint signature with the log's key, the inclusion proof against the checkpoint, the binding
 * of the entry to this signature, key and artifact, the timestamp) before writing it. A bundle
 * that does not verify is not written.
 */
import { writeFile } from 'node:fs/promises';
import {
  assembleBundle,
  type Bundle,
  type BundleContent,
  bundleToJson,
  type HashAlgorithm,
  hexEncode,
  sha256,
  tlogEntryFromRekorV1,
  tlogEntryFromRekorV2,
} from '@scriba/sdk';
import {
  checkArtifact,
  resolveSigner,
  type TrustMaterial,
  verifyBundle,
  verifyContentSignature,
  verifyRfc3161Timestamps,
  verifyTlogEntries,
} from '@scriba/sdk/verify';
import { fileError } from './output.js';
import { postV1Entry, postV2Entry } from './rekor.js';
import type { SigningKey } from './signing.js';
import { fetchTimestamp } from './timestamp.js';

export type PublishOptions = {
  base: string;
  api: 1 | 2;
  key: SigningKey;
  /** DER of the signing certificate (its public key is `key`'s); absent: key-signed. */
  certificate?: Uint8Array;
  content: BundleContent;
  /** The signature being logged and timestamped. */
  signature: Uint8Array;
  proposedV1: () => unknown;
  requestV2: () => unknown;
  timestamp: boolean;
  trust: TrustMaterial;
  /** What the verifier checks the bundle against. */
  artifact?: Uint8Array;
  artifactDigest?: { algorithm: HashAlgorithm; digest: Uint8Array };
};

export type Published = { bundle: Bundle; logIndex: number; uuid?: string; created: boolean };

export async function publish(o: PublishOptions): Promise<Published> {
  const timestamps = o.timestamp || o.api === 2 ? [await fetchTimestamp(o.base, o.signature)] : [];
  let published: Omit<Published, 'bundle'>;
  let entry: Bundle['tlogEntries'][number];
  if (o.api === 1) {
    const { answer, created } = await postV1Entry(o.base, o.proposedV1());
    entry = tlogEntryFromRekorV1(answer.value);
    published = { logIndex: entry.logIndex, uuid: answer.uuid, created };
  } else {
    entry = tlogEntryFromRekorV2(await postV2Entry(o.base, o.requestV2()));
    published = { logIndex: entry.logIndex, created: true };
  }
  const bundle = assembleBundle({
    verificationMaterial: o.certificate
      ? { kind: 'certificate', certificate: o.certificate }
      : { kind: 'publicKey', hint: hexEncode(sha256(o.key.spki)) },
    tlogEntries: [entry],
    rfc3161Timestamps: timestamps,
    content: o.content,
  });
  const input = {
    ...(o.artifact !== undefined ? { artifact: o.artifact } : {}),
    ...(o.artifactDigest !== undefined ? { artifactDigest: o.artifactDigest } : {}),
  };
  if (!o.certificate) {
    await verifyBundle(bundle, {
      trustMaterial: o.trust,
      publicKey: o.key.spki,
      ...input,
      timestampThreshold: entry.signedEntryTimestamp || timestamps.length > 0 ? 1 : 0,
    });
  } else {
    // The certificate's authority need not be in the log's trusted root (a private CA is trusted
    // by the verifier's own root), so here the SDK's steps up to the log and timestamps are run:
    // the signature, the entry's binding, SET, inclusion proof and checkpoint, the timestamps.
    const signer = resolveSigner(bundle, o.trust);
    const artifact = checkArtifact(bundle, input);
    await verifyContentSignature(bundle, signer.key, artifact);
    await verifyTlogEntries(bundle, signer, artifact, o.trust, 1);
    await verifyRfc3161Timestamps(bundle, o.trust);
  }
  return { bundle, ...published };
}

/** Writes the bundle as protobuf JSON (exit 2 when the file cannot be written). */
export async function writeBundle(path: string, bundle: Bundle): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(bundleToJson(bundle), null, 2)}\n`);
  } catch (e) {
    throw fileError('cannot write bundle', path, e);
  }
}

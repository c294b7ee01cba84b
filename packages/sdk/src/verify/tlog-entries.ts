/**
 * Step 4 — transparency log entries, each in a fixed order: body and kindVersion (entry-body.ts),
 * the binding to this bundle (binding.ts), the log is trusted (trusted-log.ts), the signed entry
 * timestamp when present (signed-entry-timestamp.ts), the inclusion proof and checkpoint when
 * present (inclusion-proof.ts). Every entry in the bundle MUST verify. Then the threshold: entries
 * from one log count once (TLOG_THRESHOLD_NOT_MET).
 */
import type { Bundle, TransparencyLogEntry } from '../bundle/types.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { base64Encode } from '../encoding.js';
import type { Artifact } from './artifact.js';
import { verifyBinding } from './binding.js';
import { verifyEntryBody } from './entry-body.js';
import { VerificationError } from './errors.js';
import { verifyInclusionProof } from './inclusion-proof.js';
import type { VerifiedLogEntry, WitnessPolicy } from './options.js';
import { verifySignedEntryTimestamp } from './signed-entry-timestamp.js';
import type { Signer } from './signer.js';
import type { TrustedLog, TrustMaterial } from './trust-material.js';
import { findTrustedLog } from './trusted-log.js';

export type CheckedEntry = { entry: TransparencyLogEntry; log: TrustedLog; result: VerifiedLogEntry };

export async function verifyTlogEntry(
  entry: TransparencyLogEntry,
  bundle: Bundle,
  signer: Signer,
  artifact: Artifact,
  trust: TrustMaterial,
  witnesses?: WitnessPolicy,
  cache?: VerificationCache,
  checkpointCache: VerificationCache | undefined = cache,
): Promise<CheckedEntry> {
  const body = verifyEntryBody(entry);
  verifyBinding(body, bundle, signer, artifact);
  const log = findTrustedLog(entry, trust);
  // SET and inclusion proof are independent signature checks: started together, awaited in order.
  const setVerified = entry.signedEntryTimestamp !== undefined;
  const set = setVerified ? verifySignedEntryTimestamp(entry, log.key, cache) : undefined;
  // v0.1 bundles predate checkpoints: there the SET is the inclusion evidence, and a proof without
  // a checkpoint (its root unauthenticated) proves nothing and is not used. From v0.2 on the proof
  // and its checkpoint are required.
  const legacyProof = bundle.version === '0.1' && entry.inclusionProof?.checkpoint === undefined;
  const proof =
    entry.inclusionProof && !legacyProof
      ? verifyInclusionProof(entry, log.key, witnesses, cache, checkpointCache)
      : undefined;
  proof?.catch(() => {});
  await set;
  const proven = proof ? await proof : undefined;
  const checkpointSize = proven?.checkpoint.size;
  if (!setVerified && checkpointSize === undefined) {
    throw new VerificationError(
      'TLOG_ENTRY_UNPROVEN',
      'the entry has neither a signed entry timestamp nor a proof',
    );
  }
  const result: VerifiedLogEntry = {
    logId: base64Encode(entry.logId),
    baseUrl: log.instance.baseUrl,
    logIndex: entry.logIndex,
    kind: entry.kind,
    version: entry.version,
    signedEntryTimestampVerified: setVerified,
    inclusionProofVerified: checkpointSize !== undefined,
  };
  if (setVerified) result.integratedTime = entry.integratedTime;
  if (checkpointSize !== undefined) result.checkpointSize = checkpointSize;
  if (witnesses && proven) result.witnesses = proven.witnesses;
  if (witnesses && !proven) {
    throw new VerificationError(
      'TLOG_CHECKPOINT_COSIGNATURES_MISSING',
      'witnesses are required but the entry has no checkpoint',
    );
  }
  return { entry, log, result };
}

export async function verifyTlogEntries(
  bundle: Bundle,
  signer: Signer,
  artifact: Artifact,
  trust: TrustMaterial,
  threshold: number,
  witnesses?: WitnessPolicy,
  cache?: VerificationCache,
  checkpointCache: VerificationCache | undefined = cache,
): Promise<CheckedEntry[]> {
  const checked: CheckedEntry[] = [];
  for (const entry of bundle.tlogEntries) {
    checked.push(
      await verifyTlogEntry(entry, bundle, signer, artifact, trust, witnesses, cache, checkpointCache),
    );
  }
  const logs = new Set(checked.map((c) => c.result.logId));
  if (logs.size < threshold) {
    throw new VerificationError(
      'TLOG_THRESHOLD_NOT_MET',
      `${logs.size} transparency log(s) verified, ${threshold} required`,
    );
  }
  return checked;
}

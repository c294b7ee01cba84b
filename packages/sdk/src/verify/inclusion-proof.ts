/**
 * Step 4d — the inclusion proof (RFC 9162 §2.1.3.2) and its checkpoint (C2SP tlog-checkpoint,
 * signed-note). In order:
 * 1. the leaf hash SHA-256(0x00 || canonicalizedBody) with the proof's index, size and hashes MUST
 *    rebuild the proof's root hash (TLOG_INCLUSION_PROOF_INVALID);
 * 2. the proof's index MUST equal the entry's log index (TLOG_PROOF_INDEX_MISMATCH). Exception:
 *    Rekor v1 shards its log, so an entry whose SET authenticates a global index carries a
 *    tree-local proof index, which then MUST NOT exceed the global one;
 * 3. a checkpoint MUST be present (TLOG_CHECKPOINT_MISSING) and well formed
 *    (TLOG_CHECKPOINT_MALFORMED);
 * 4. it MUST carry a valid signature by the log's key under the log's name, and when the caller
 *    requires witnesses, at least `threshold` of them MUST have cosigned it (checkpoint.ts,
 *    `verifyCheckpointNote`: TLOG_CHECKPOINT_SIGNATURE_INVALID, TLOG_CHECKPOINT_COSIGNATURES_MISSING);
 * 5. its size and root hash MUST equal the proof's (TLOG_CHECKPOINT_MISMATCH).
 */
import type { InclusionProof, TransparencyLogEntry } from '../bundle/types.js';
import type { PublicKey } from '../crypto/index.js';
import { bytesEqual } from '../encoding.js';
import { hashLeaf, rootFromInclusionProof } from '../merkle/index.js';
import type { Checkpoint } from '../note/index.js';
import { verifyCheckpointNote } from './checkpoint.js';
import { VerificationError } from './errors.js';
import type { WitnessPolicy } from './options.js';

export async function verifyInclusionProof(
  entry: TransparencyLogEntry,
  key: PublicKey,
  setVerified: boolean,
  witnesses?: WitnessPolicy,
): Promise<{ proof: InclusionProof; checkpoint: Checkpoint; witnesses: string[] }> {
  const proof = entry.inclusionProof;
  if (!proof) throw new VerificationError('TLOG_INCLUSION_PROOF_INVALID', 'no inclusion proof');
  let root: Uint8Array;
  try {
    root = rootFromInclusionProof(
      proof.logIndex,
      proof.treeSize,
      hashLeaf(entry.canonicalizedBody),
      proof.hashes,
    );
  } catch (e) {
    throw new VerificationError('TLOG_INCLUSION_PROOF_INVALID', 'the inclusion proof is malformed', {
      cause: e,
    });
  }
  if (!bytesEqual(root, proof.rootHash)) {
    throw new VerificationError(
      'TLOG_INCLUSION_PROOF_INVALID',
      'the inclusion proof does not lead to its root hash',
    );
  }
  const indexOk = setVerified ? proof.logIndex <= entry.logIndex : proof.logIndex === entry.logIndex;
  if (!indexOk) {
    throw new VerificationError(
      'TLOG_PROOF_INDEX_MISMATCH',
      `the inclusion proof is for index ${proof.logIndex}, the entry is ${entry.logIndex}`,
    );
  }
  if (proof.checkpoint === undefined) {
    throw new VerificationError('TLOG_CHECKPOINT_MISSING', 'the inclusion proof has no checkpoint');
  }
  const { checkpoint, cosigners } = await verifyCheckpointNote(proof.checkpoint, key, witnesses);
  if (checkpoint.size !== proof.treeSize || !bytesEqual(checkpoint.rootHash, proof.rootHash)) {
    throw new VerificationError('TLOG_CHECKPOINT_MISMATCH', "the checkpoint's tree is not the proof's tree");
  }
  return { proof, checkpoint, witnesses: cosigners.map((v) => `${v.name}+${v.keyHash}`) };
}

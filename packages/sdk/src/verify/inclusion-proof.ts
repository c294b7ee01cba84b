/**
 * Step 4d — the inclusion proof (RFC 9162 §2.1.3.2) and its checkpoint (C2SP tlog-checkpoint,
 * signed-note). In order:
 * 1. the leaf hash SHA-256(0x00 || canonicalizedBody) with the proof's index, size and hashes MUST
 *    rebuild the proof's root hash (TLOG_INCLUSION_PROOF_INVALID);
 * 2. a checkpoint MUST be present (TLOG_CHECKPOINT_MISSING) and well formed
 *    (TLOG_CHECKPOINT_MALFORMED);
 * 3. the proof's index and the entry's log index MUST agree (TLOG_PROOF_INDEX_MISMATCH), by the
 *    Rekor API whose log recorded the entry's kind (the kind table's `log` column):
 *    - Rekor v2: one log per URL, so they MUST be equal;
 *    - Rekor v1: the log is sharded in time; `logIndex` is global (the shard's offset plus the
 *      tree-local index) and the proof's index is tree-local, so the proof's index MUST NOT exceed
 *      the global one, and where they differ the checkpoint MUST name its shard's tree
 *      (origin `<name> - <tree ID>`, Rekor's convention) — an unsharded log's indices are equal.
 *      This holds with or without a SET: a SET signs the global index (signed-entry-timestamp.ts),
 *      the proof authenticates the tree-local one, and nothing relates the two offline but this.
 * 4. it MUST carry a valid signature by the log's key under the log's name, and when the caller
 *    requires witnesses, at least `threshold` of them MUST have cosigned it (checkpoint.ts,
 *    `verifyCheckpointNote`: TLOG_CHECKPOINT_SIGNATURE_INVALID, TLOG_CHECKPOINT_COSIGNATURES_MISSING);
 * 5. its size and root hash MUST equal the proof's (TLOG_CHECKPOINT_MISMATCH).
 */
import type { InclusionProof, TransparencyLogEntry } from '../bundle/types.js';
import type { PublicKey } from '../crypto/index.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { bytesEqual } from '../encoding.js';
import { ENTRY_KIND_TABLE, entryKindId, isEntryKindId } from '../entries/kinds/table.js';
import { treeIdOfOrigin } from '../entries/uuid.js';
import { hashLeaf, rootFromInclusionProof } from '../merkle/index.js';
import type { Checkpoint } from '../note/index.js';
import { verifyCheckpointNote } from './checkpoint.js';
import { VerificationError } from './errors.js';
import type { WitnessPolicy } from './options.js';

export async function verifyInclusionProof(
  entry: TransparencyLogEntry,
  key: PublicKey,
  witnesses?: WitnessPolicy,
  cache?: VerificationCache,
  checkpointCache: VerificationCache | undefined = cache,
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
  if (proof.checkpoint === undefined) {
    throw new VerificationError('TLOG_CHECKPOINT_MISSING', 'the inclusion proof has no checkpoint');
  }
  const { checkpoint, cosigners } = await verifyCheckpointNote(
    proof.checkpoint,
    key,
    witnesses,
    checkpointCache,
  );
  checkProofIndex(entry, proof, checkpoint);
  if (checkpoint.size !== proof.treeSize || !bytesEqual(checkpoint.rootHash, proof.rootHash)) {
    throw new VerificationError('TLOG_CHECKPOINT_MISMATCH', "the checkpoint's tree is not the proof's tree");
  }
  return { proof, checkpoint, witnesses: cosigners.map((v) => `${v.name}+${v.keyHash}`) };
}

function checkProofIndex(entry: TransparencyLogEntry, proof: InclusionProof, checkpoint: Checkpoint): void {
  const id = entryKindId(entry.kind, entry.version);
  // Every Rekor v2 kind is in the table; one outside it (rekord, helm, ... — which the bundle
  // verifier refuses earlier, but `scriba get` proves) is a Rekor v1 kind.
  const api = isEntryKindId(id) ? ENTRY_KIND_TABLE[id].log : 'v1';
  const mismatch = (why: string) =>
    new VerificationError(
      'TLOG_PROOF_INDEX_MISMATCH',
      `the inclusion proof is for index ${proof.logIndex}, the entry is ${entry.logIndex}: ${why}`,
    );
  if (proof.logIndex === entry.logIndex) return;
  if (api === 'v2') throw mismatch('a Rekor v2 entry is proven at its own index');
  if (proof.logIndex > entry.logIndex) {
    throw mismatch("a shard's tree-local index cannot exceed the global index");
  }
  if (treeIdOfOrigin(checkpoint.origin) === undefined) {
    throw mismatch(`the checkpoint origin '${checkpoint.origin}' names no shard's tree`);
  }
}

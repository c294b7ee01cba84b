/**
 * Rekor v2 wire format of an appended entry: the protobuf-JSON TransparencyLogEntry
 * (sigstore protobuf-specs `dev.sigstore.rekor.v1.TransparencyLogEntry`; int64 as decimal strings,
 * bytes as base64), with the inclusion proof against the batch's checkpoint (served with the log's
 * Ed25519 co-signature). No signed entry timestamp and no integrated time, as Rekor v2.
 */
import { base64Encode } from '@scriba/sdk';
import type { Created } from '../../log/service.js';

export type TransparencyLogEntryJson = {
  logIndex: string;
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  inclusionProof: {
    logIndex: string;
    rootHash: string;
    treeSize: string;
    hashes: string[];
    checkpoint: { envelope: string };
  };
  canonicalizedBody: string;
};

/** `checkpoint`: the envelope to serve (the batch's checkpoint with the log's signatures). */
export function renderTransparencyLogEntry(
  created: Created,
  logId: Uint8Array,
  checkpoint: string,
): TransparencyLogEntryJson {
  const index = String(created.index);
  return {
    logIndex: index,
    logId: { keyId: base64Encode(logId) },
    kindVersion: { kind: created.entry.kind, version: created.entry.apiVersion },
    inclusionProof: {
      logIndex: index,
      rootHash: base64Encode(created.proof.rootHash),
      treeSize: String(created.proof.treeSize),
      hashes: created.proof.hashes.map(base64Encode),
      checkpoint: { envelope: checkpoint },
    },
    canonicalizedBody: base64Encode(created.entry.body),
  };
}

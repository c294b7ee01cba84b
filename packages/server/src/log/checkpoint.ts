/**
 * Checkpoint publication (C2SP tlog-checkpoint body, C2SP signed-note envelope) signed with the log's
 * ECDSA P-256 key through the SDK. The key name MUST be a substring of the log's base URL for
 * sigstore-js to accept it (see config.ts); the origin defaults to Rekor's `<name> - <treeID>`.
 */
import { sign as nodeSign } from 'node:crypto';
import {
  ecdsaP256Signer,
  formatCheckpoint,
  type NoteSigner,
  signatureLinePrefix,
  signNote,
} from '@scriba/sdk/note';
import type { LogKey } from '../keys/logKey.js';

export type CheckpointSigner = {
  origin: string;
  name: string;
  /** The shard's key: it signs the shard's checkpoints and its entries' SETs (entry-timestamp.ts). */
  key: LogKey;
  sign(size: number, rootHash: Uint8Array): Promise<string>;
  /** True when `note` was signed under this origin and key name (else the log re-signs at start). */
  matches(note: string): boolean;
};

export async function checkpointSigner(key: LogKey, name: string, origin: string): Promise<CheckpointSigner> {
  const sdkSigner = await ecdsaP256Signer(name, key.pkcs8);
  // Same key name, key hash and signature encoding (DER ECDSA) as the SDK signer, but signed with
  // node:crypto synchronously on the cached KeyObject: the append batch signs while it holds the
  // tree lock, and WebCrypto's sign completes on the thread pool, which costs the batch a turn of a
  // busy event loop (measured: part of the 20-40 ms a batch held the lock at 64 clients).
  const signer: NoteSigner = {
    name: sdkSigner.name,
    keyHash: sdkSigner.keyHash,
    sign: async (message) => new Uint8Array(nodeSign('sha256', message, key.privateKey)),
  };
  return {
    origin,
    name,
    key,
    async sign(size, rootHash) {
      const body = formatCheckpoint({ origin, size, rootHash, extensions: [] });
      return signNote(body, [signer]);
    },
    matches(note) {
      return note.startsWith(`${origin}\n`) && note.includes(`\n${signatureLinePrefix(name)}`);
    },
  };
}

/**
 * Checkpoint publication (C2SP tlog-checkpoint body, C2SP signed-note envelope) signed with the log's
 * ECDSA P-256 key through the SDK. The key name MUST be a substring of the log's base URL for
 * sigstore-js to accept it (see config.ts); the origin defaults to Rekor's `<name> - <treeID>`.
 */
import { ecdsaP256Signer, formatCheckpoint, type NoteSigner, signNote } from '@scriba/sdk/note';
import type { LogKey } from '../keys/logKey.js';

export type CheckpointSigner = {
  origin: string;
  name: string;
  sign(size: number, rootHash: Uint8Array): Promise<string>;
  /** True when `note` was signed under this origin and key name (else the log re-signs at start). */
  matches(note: string): boolean;
};

export async function checkpointSigner(key: LogKey, name: string, origin: string): Promise<CheckpointSigner> {
  const signer: NoteSigner = await ecdsaP256Signer(name, key.pkcs8);
  return {
    origin,
    name,
    async sign(size, rootHash) {
      const body = formatCheckpoint({ origin, size, rootHash, extensions: [] });
      return signNote(body, [signer]);
    },
    matches(note) {
      return note.startsWith(`${origin}\n`) && note.includes(`\n\u2014 ${name} `);
    },
  };
}

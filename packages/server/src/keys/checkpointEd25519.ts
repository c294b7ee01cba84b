/**
 * The log's Ed25519 checkpoint co-signing key (C2SP signed-note type 0x01; C2SP tlog-tiles: a public
 * log's checkpoint MUST carry an Ed25519 signature, which is what witnesses verify). The ECDSA P-256
 * log key keeps signing every checkpoint (Rekor clients expect it); the Ed25519 signature is added to
 * the checkpoints served over the v2 / tiles API and pushed to witnesses.
 *
 * The key is the file `keyPath` (SCRIBA_LOG_ED25519_KEY, a PKCS#8 PEM Ed25519 private key) when set; otherwise it is
 * derived from the ECDSA log key with HKDF-SHA256 (info "scriba checkpoint ed25519 v1"), so every
 * frontend sharing the log key signs with the same Ed25519 key and nothing else needs distributing.
 * Ed25519 signatures are deterministic, so adding the signature on the fly always yields the same
 * note for a given checkpoint. One key co-signs every shard's checkpoints; each note's body carries
 * its shard's origin, so a witness follows each shard by its origin with this one verifier key.
 */
import { createPrivateKey, hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  ed25519Signer,
  formatVerifierKey,
  NOTE_KEY_TYPE_ED25519,
  type Note,
  type NoteSigner,
  parseNote,
  signNote,
} from '@scriba/sdk/note';
import { ConfigError } from '../config.js';
import type { LogKey } from './logKey.js';

export type CheckpointEd25519 = {
  signer: NoteSigner & { publicKey: Uint8Array };
  /** The verifier key witnesses and clients configure: `name+hash+base64(0x01 || key)`. */
  vkey: string;
  /** `note` with this key's signature added (kept if already there). */
  cosign(note: string): Promise<string>;
};

function seedFromPem(pem: string, source: string): Uint8Array {
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError(`${source} is not a readable PEM private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError(`${source} must be an Ed25519 private key`);
  const der = new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
  return der.slice(der.length - 32);
}

/** Co-signed notes remembered (one per shard being read or pushed is enough). */
const RECENT_NOTES = 16;

export async function checkpointEd25519(
  logKey: LogKey,
  name: string,
  opts: { keyPath?: string | undefined } = {},
): Promise<CheckpointEd25519> {
  let seed: Uint8Array;
  const path = opts.keyPath;
  if (path) {
    let pem: string;
    try {
      pem = await readFile(path, 'utf8');
    } catch {
      throw new ConfigError(`SCRIBA_LOG_ED25519_KEY file ${path} cannot be read`);
    }
    seed = seedFromPem(pem, `SCRIBA_LOG_ED25519_KEY ${path}`);
  } else {
    seed = new Uint8Array(
      hkdfSync('sha256', logKey.pkcs8, new Uint8Array(0), 'scriba checkpoint ed25519 v1', 32),
    );
  }
  const signer = ed25519Signer(name, seed);
  // The latest note of each shard is asked for again and again (checkpoint reads, witness pushes):
  // a few recent results are kept, so several shards do not evict each other.
  const recent = new Map<string, string>();
  return {
    signer,
    vkey: formatVerifierKey(name, NOTE_KEY_TYPE_ED25519, signer.publicKey),
    async cosign(note: string): Promise<string> {
      const hit = recent.get(note);
      if (hit !== undefined) return hit;
      const parsed: Note = parseNote(note);
      if (parsed.signatures.some((s) => s.name === name && s.keyHash === signer.keyHash)) return note;
      const out = await signNote(parsed, [signer]);
      recent.set(note, out);
      if (recent.size > RECENT_NOTES) recent.delete(recent.keys().next().value as string);
      return out;
    },
  };
}

/**
 * Signing notes (https://c2sp.org/signed-note): Ed25519 (type 0x01, RFC 8032 over the text) and
 * ECDSA P-256 (type 0x02, as Rekor and transparency-dev/formats: DER ECDSA-Sig-Value over
 * SHA-256(text), key ID = SHA-256(SPKI)[:4]). ECDSA signing uses WebCrypto; Ed25519 uses
 * @noble/curves (deterministic, synchronous).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import {
  children,
  encodeTlv,
  parseSingle,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
  unsignedIntegerBytes,
} from '../crypto/der.js';
import { ecdsaRawToDer } from '../crypto/ecdsa-signature.js';
import { bytesEqual, concatBytes, utf8Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { checkNoteText, formatNote, isValidKeyName, type Note, type NoteSignature } from './note.js';
import { ecdsaKeyHash, ed25519KeyHash } from './verifier.js';

/** Produces one note signature (the bytes after the key ID) over the note text's UTF-8 bytes. */
export interface NoteSigner {
  name: string;
  keyHash: number;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * Signs a note body (string) or adds signatures to a parsed note. Existing signatures from the
 * same (name, key ID) as a signer are replaced. Returns the formatted signed note.
 */
export async function signNote(textOrNote: string | Note, signers: readonly NoteSigner[]): Promise<string> {
  const note: Note = typeof textOrNote === 'string' ? { text: textOrNote, signatures: [] } : textOrNote;
  checkNoteText(note.text);
  if (!Array.isArray(signers) || signers.length === 0) throw new ScribaError('INVALID_INPUT', 'no signers');
  const message = utf8Encode(note.text);
  const fresh: NoteSignature[] = [];
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new ScribaError('NOTE_MALFORMED', 'signer has an invalid key name');
    fresh.push({ name: s.name, keyHash: s.keyHash, signature: await s.sign(message) });
  }
  const replaced = new Set(fresh.map((s) => `${s.keyHash}:${s.name}`));
  const kept = note.signatures.filter((s) => !replaced.has(`${s.keyHash}:${s.name}`));
  return formatNote({ text: note.text, signatures: [...kept, ...fresh] });
}

/**
 * The checked key name and Ed25519 key pair behind an Ed25519-based signer (note type 0x01 and
 * cosignature type 0x04): the seed is copied so later changes to the caller's buffer do not leak in.
 */
export function ed25519SignerKey(
  name: string,
  privateKey32: Uint8Array,
): { seed: Uint8Array; publicKey: Uint8Array } {
  if (!isValidKeyName(name)) throw new ScribaError('NOTE_MALFORMED', 'invalid key name');
  if (!(privateKey32 instanceof Uint8Array) || privateKey32.length !== 32) {
    throw new ScribaError('KEY_INVALID', 'Ed25519 private key must be 32 bytes');
  }
  const seed = privateKey32.slice();
  const publicKey = ed25519.getPublicKey(seed);
  return { seed, publicKey };
}

/** An Ed25519 (type 0x01) note signer from a 32-byte private key (RFC 8032 seed). */
export function ed25519Signer(
  name: string,
  privateKey32: Uint8Array,
): NoteSigner & { publicKey: Uint8Array } {
  const { seed, publicKey } = ed25519SignerKey(name, privateKey32);
  return {
    name,
    keyHash: ed25519KeyHash(name, publicKey),
    publicKey,
    sign: async (message) => ed25519.sign(message, seed),
  };
}

// AlgorithmIdentifier { id-ecPublicKey, prime256v1 } (RFC 5480).
const P256_ALG_ID = Uint8Array.of(
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
);

/** SPKI DER for an uncompressed P-256 point. */
export function p256Spki(point: Uint8Array): Uint8Array {
  return encodeTlv(
    TAG_SEQUENCE,
    concatBytes(P256_ALG_ID, encodeTlv(TAG_BIT_STRING, concatBytes(Uint8Array.of(0), point))),
  );
}

/** The private scalar of a PKCS#8 (RFC 5208/5958) P-256 key, via its RFC 5915 ECPrivateKey. */
function p256ScalarFromPkcs8(pkcs8: Uint8Array): Uint8Array {
  try {
    const top = children(parseSingle(pkcs8, TAG_SEQUENCE, 'PrivateKeyInfo'));
    const alg = top[1];
    const pk = top[2];
    if (top[0]?.tag !== TAG_INTEGER || alg?.tag !== TAG_SEQUENCE || pk?.tag !== TAG_OCTET_STRING)
      throw new Error('shape');
    if (!bytesEqual(encodeTlv(TAG_SEQUENCE, alg.value), P256_ALG_ID)) throw new Error('not a P-256 key');
    const ec = children(parseSingle(pk.value, TAG_SEQUENCE, 'ECPrivateKey'));
    const d = ec[1];
    if (ec[0]?.tag !== TAG_INTEGER || d?.tag !== TAG_OCTET_STRING || d.value.length !== 32)
      throw new Error('ECPrivateKey');
    unsignedIntegerBytes(ec[0].value);
    return d.value;
  } catch (cause) {
    throw new ScribaError('KEY_INVALID', 'not a PKCS#8 P-256 private key', { cause });
  }
}

type Subtle = SubtleCrypto;
function subtle(): Subtle {
  const s = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  if (!s) throw new ScribaError('KEY_UNSUPPORTED', 'WebCrypto is not available for ECDSA signing');
  return s;
}

/**
 * An ECDSA P-256 (type 0x02) note signer. `key` is PKCS#8 DER bytes, or an extractable ECDSA P-256
 * private CryptoKey, or a CryptoKeyPair. Signatures are DER, over SHA-256 of the text, as Rekor's.
 */
export async function ecdsaP256Signer(
  name: string,
  key: Uint8Array | CryptoKey | CryptoKeyPair,
): Promise<NoteSigner & { spki: Uint8Array }> {
  if (!isValidKeyName(name)) throw new ScribaError('NOTE_MALFORMED', 'invalid key name');
  const s = subtle();
  let privateKey: CryptoKey;
  let spki: Uint8Array;
  if (key instanceof Uint8Array) {
    const d = p256ScalarFromPkcs8(key);
    spki = p256Spki(p256.getPublicKey(d, false));
    try {
      privateKey = await s.importKey(
        'pkcs8',
        key as Uint8Array<ArrayBuffer>,
        { name: 'ECDSA', namedCurve: 'P-256' },
        false,
        ['sign'],
      );
    } catch (cause) {
      throw new ScribaError('KEY_INVALID', 'WebCrypto rejected the PKCS#8 key', { cause });
    }
  } else {
    const pair = key as Partial<CryptoKeyPair>;
    const priv = (pair.privateKey ?? key) as CryptoKey;
    const alg = priv?.algorithm as EcKeyAlgorithm | undefined;
    if (priv?.type !== 'private' || alg?.name !== 'ECDSA' || alg.namedCurve !== 'P-256') {
      throw new ScribaError('KEY_INVALID', 'expected an ECDSA P-256 private key');
    }
    privateKey = priv;
    try {
      spki = pair.publicKey
        ? new Uint8Array(await s.exportKey('spki', pair.publicKey))
        : p256Spki(
            p256.getPublicKey(p256ScalarFromPkcs8(new Uint8Array(await s.exportKey('pkcs8', priv))), false),
          );
    } catch (cause) {
      if (cause instanceof ScribaError) throw cause;
      throw new ScribaError(
        'KEY_INVALID',
        'cannot derive the public key (pass a CryptoKeyPair or an extractable key)',
        { cause },
      );
    }
  }
  return {
    name,
    keyHash: ecdsaKeyHash(spki),
    spki,
    sign: async (message) => {
      const raw = new Uint8Array(
        await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, message as Uint8Array<ArrayBuffer>),
      );
      return ecdsaRawToDer(raw);
    },
  };
}

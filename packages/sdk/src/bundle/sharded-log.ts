/**
 * The transparency-log entries of a Sigstore TrustedRoot (protobuf-specs `trustroot.proto`,
 * `TransparencyLogInstance`, protobuf-JSON) for a log sharded in time, and their JSON form.
 *
 * Verifiers match an entry to a trusted log by its log ID — SHA-256 of the key's DER SPKI, Rekor's
 * logID (for an ECDSA key its first 4 bytes are also the C2SP checkpoint key ID) — and then require
 * the entry's time (integratedTime, or an RFC 3161 time) inside that log's `validFor`
 * (sigstore-js `filterTLogAuthorities`, this SDK's log-validity.ts). So a sharded log is listed
 * with ONE instance per key, shards that keep the key sharing it:
 *  - `validFor.start` is the creation of the first shard signed with the key;
 *  - `validFor.end` is the freeze time of the last shard signed with it, absent while the key signs
 *    the active shard.
 * Both bounds are whole seconds, rounded down: integrated times and this log's TSA times are whole
 * seconds rounded down, so an entry of a shard's first second is inside its start, and at a rotation
 * (freeze and creation in one transaction) the old key's window ends exactly where the new key's
 * begins — the windows meet, with neither gap nor overlap.
 * A key that signs again after another key was used keeps one window spanning both uses.
 */
import { digest } from '../crypto/hash.js';
import { type PublicKey, parsePublicKey } from '../crypto/keys.js';
import { base64Encode, bytesEqual } from '../encoding.js';
import type { JsonObject } from './protojson.js';
import type { TransparencyLogInstance } from './types.js';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/** One tree (shard) of a log, as a trusted root needs it. */
export type LogShardKey = {
  /** DER SubjectPublicKeyInfo of the key the shard's checkpoints and SETs are signed with. */
  publicKey: Uint8Array;
  /** When the shard was created, ms since the epoch. */
  createdAt: number;
  /** When the shard was frozen, ms since the epoch; undefined (or null) while it is active. */
  frozenAt?: number | null | undefined;
};

/** protobuf-specs `PublicKeyDetails` name of a log key. */
export function publicKeyDetails(key: PublicKey): string {
  switch (key.kind) {
    case 'ecdsa':
      return key.curve === 'P-256'
        ? 'PKIX_ECDSA_P256_SHA_256'
        : key.curve === 'P-384'
          ? 'PKIX_ECDSA_P384_SHA_384'
          : 'PKIX_ECDSA_P521_SHA_512';
    case 'ed25519':
      return 'PKIX_ED25519';
    case 'rsa':
      return `PKIX_RSA_PKCS1V15_${key.bits}_SHA256`;
  }
}

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

/**
 * The log's TransparencyLogInstances: one per key, in order of first use, with the validity windows
 * described above. `shards` in shard order (oldest first). Throws KEY_* / INVALID_DER for a key that
 * does not parse.
 */
export function shardedLogInstances(baseUrl: string, shards: LogShardKey[]): TransparencyLogInstance[] {
  const byKey: { shards: LogShardKey[]; key: PublicKey }[] = [];
  for (const s of shards) {
    const same = byKey.find((k) => bytesEqual(k.key.spki, s.publicKey));
    if (same) same.shards.push(s);
    else byKey.push({ shards: [s], key: parsePublicKey(s.publicKey) });
  }
  return byKey.map(({ shards: used, key }) => {
    const start = wholeSecond(Math.min(...used.map((s) => s.createdAt)));
    const open = used.some((s) => s.frozenAt === undefined || s.frozenAt === null);
    const window: { start: number; end?: number } = { start };
    if (!open) window.end = Math.max(start, wholeSecond(Math.max(...used.map((s) => s.frozenAt as number))));
    return {
      baseUrl,
      hashAlgorithm: 'SHA2_256',
      keyDetails: publicKeyDetails(key),
      publicKey: key.spki,
      validFor: { window },
      logId: digest('sha256', key.spki),
    };
  });
}

/** RFC 3339 in whole seconds or with milliseconds, as protobuf Timestamp JSON. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** protobuf-JSON of one TransparencyLogInstance (the inverse of the trusted-root parser's view). */
export function transparencyLogInstanceToJson(t: TransparencyLogInstance): JsonObject {
  const publicKey: JsonObject = { rawBytes: base64Encode(t.publicKey), keyDetails: t.keyDetails };
  const w = t.validFor.window;
  if (w)
    publicKey.validFor =
      w.end === undefined ? { start: rfc3339(w.start) } : { start: rfc3339(w.start), end: rfc3339(w.end) };
  return {
    baseUrl: t.baseUrl,
    hashAlgorithm: t.hashAlgorithm,
    publicKey,
    logId: { keyId: base64Encode(t.logId) },
  };
}

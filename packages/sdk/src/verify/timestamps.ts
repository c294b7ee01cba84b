/**
 * Step 5 — verified times. Each RFC 3161 timestamp in the bundle MUST verify against the trusted
 * timestamp authorities over the bundle's signature bytes (x509/timestamp.ts); each entry with a
 * verified signed entry timestamp contributes its integrated time. Together they MUST reach the
 * threshold (TIMESTAMP_THRESHOLD_NOT_MET) — a Rekor v2 entry has no integrated time, so such
 * bundles need a timestamp authority.
 */
import type { Bundle } from '../bundle/types.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { verifyRfc3161Timestamp } from '../x509/timestamp.js';
import { VerificationError } from './errors.js';
import type { VerifiedTimestamp } from './options.js';
import type { CheckedEntry } from './tlog-entries.js';
import type { TrustMaterial } from './trust-material.js';

export function signatureBytes(bundle: Bundle): Uint8Array {
  return bundle.content.kind === 'messageSignature'
    ? bundle.content.signature
    : bundle.content.signatures[0].sig;
}

/** Verifies every RFC 3161 timestamp of the bundle (in order; the first failure is reported). */
export async function verifyRfc3161Timestamps(
  bundle: Bundle,
  trust: TrustMaterial,
  cache?: VerificationCache,
): Promise<VerifiedTimestamp[]> {
  const sig = signatureBytes(bundle);
  const results = bundle.rfc3161Timestamps.map((der) =>
    verifyRfc3161Timestamp(der, sig, trust.timestampAuthorities, cache),
  );
  for (const r of results) r.catch(() => {});
  const out: VerifiedTimestamp[] = [];
  for (const r of results) {
    const v = await r;
    out.push({ source: 'rfc3161', time: v.time, authority: v.authority.uri });
  }
  return out;
}

export async function verifyTimestamps(
  bundle: Bundle,
  entries: CheckedEntry[],
  trust: TrustMaterial,
  threshold: number,
  rfc3161Promise?: Promise<VerifiedTimestamp[]>,
): Promise<{ all: VerifiedTimestamp[]; rfc3161: VerifiedTimestamp[] }> {
  const rfc3161 = await (rfc3161Promise ?? verifyRfc3161Timestamps(bundle, trust));
  const fromLogs: VerifiedTimestamp[] = entries
    .filter((e) => e.result.integratedTime !== undefined)
    .map((e) => ({
      source: 'transparency-log',
      time: (e.result.integratedTime as number) * 1000,
      authority: e.log.instance.baseUrl,
    }));
  const all = [...fromLogs, ...rfc3161];
  if (all.length < threshold) {
    throw new VerificationError(
      'TIMESTAMP_THRESHOLD_NOT_MET',
      `${all.length} verified time(s), ${threshold} required`,
    );
  }
  return { all, rfc3161 };
}

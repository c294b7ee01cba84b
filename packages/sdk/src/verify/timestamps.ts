/**
 * Step 5 — verified times. Each RFC 3161 timestamp in the bundle MUST verify against the trusted
 * timestamp authorities over the bundle's signature bytes (x509/timestamp.ts); each entry with a
 * verified signed entry timestamp contributes its integrated time. Together they MUST reach the
 * threshold (TIMESTAMP_THRESHOLD_NOT_MET) — a Rekor v2 entry has no integrated time, so such
 * bundles need a timestamp authority.
 */
import type { Bundle } from '../bundle/types.js';
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

export async function verifyTimestamps(
  bundle: Bundle,
  entries: CheckedEntry[],
  trust: TrustMaterial,
  threshold: number,
): Promise<{ all: VerifiedTimestamp[]; rfc3161: VerifiedTimestamp[] }> {
  const rfc3161: VerifiedTimestamp[] = [];
  const sig = signatureBytes(bundle);
  for (const der of bundle.rfc3161Timestamps) {
    const r = await verifyRfc3161Timestamp(der, sig, trust.timestampAuthorities);
    rfc3161.push({ source: 'rfc3161', time: r.time, authority: r.authority.uri });
  }
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

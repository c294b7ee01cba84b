/**
 * Digests as Rekor v1 bodies write them (`{algorithm, value}`, lower-case hex) and the search-index
 * key format of a SHA-256 digest (`sha256:<hex>`, Rekor's `/api/v1/index/retrieve` `hash`).
 */
import { ScribaError } from '../../errors.js';

/** Digest as Rekor writes it: algorithm name and lower-case hex value. */
export type RekorHash = { algorithm: 'sha256' | 'sha384' | 'sha512'; value: string };

const HEX: Record<RekorHash['algorithm'], RegExp> = {
  sha256: /^[0-9a-f]{64}$/,
  sha384: /^[0-9a-f]{96}$/,
  sha512: /^[0-9a-f]{128}$/,
};

/** Throws ENTRY_MALFORMED unless `h` is a lower-case hex digest of its algorithm; returns a clean copy. */
export function checkRekorHash(h: RekorHash, what: string): RekorHash {
  const re = HEX[h.algorithm];
  if (!re?.test(h.value))
    throw new ScribaError('ENTRY_MALFORMED', `${what}: not a lower-case hex ${h.algorithm}`);
  return { algorithm: h.algorithm, value: h.value };
}

/** The search-index key of a SHA-256 digest given as hex: `sha256:<lower-case hex>`. */
export function sha256SearchKey(hex: string): string {
  return `sha256:${hex.toLowerCase()}`;
}

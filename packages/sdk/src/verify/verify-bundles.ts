/**
 * Many Sigstore bundles verified as one batch: each by `verifyBundle` (every rule, every bundle),
 * with a shared content-keyed memo (crypto/verification-cache.ts) so a certificate, signed entry
 * timestamp, checkpoint or RFC 3161 token that several bundles carry byte for byte is parsed and
 * its signature checked once, and with several bundles in flight at a time so the slow curves'
 * checks (P-384, P-521: on the host's thread pool under Node) run on other cores meanwhile.
 *
 * The outcome of each bundle is the one `verifyBundle` gives it alone: the same result, or the same
 * coded error — a failure is never remembered, so a bad bundle after a good one that shares its key
 * still fails on its own bytes.
 */
import { VerificationCache } from '../crypto/verification-cache.js';
import { VerificationError } from './errors.js';
import type { VerificationResult, VerifyBundleOptions } from './options.js';
import { verifyBundle } from './verify-bundle.js';

export type BundleBatchItem = {
  /** The bundle: JSON text, bytes, parsed JSON or a parsed Bundle (as `verifyBundle`). */
  bundle: unknown;
  /** This bundle's options (artifact, key, policy, trust material ...); `cache` is the batch's. */
  options: VerifyBundleOptions;
};

export type BundleBatchOutcome = { ok: true; result: VerificationResult } | { ok: false; error: Error };

export type VerifyBundlesOptions = {
  /** Bundles in flight at a time (default 16). */
  concurrency?: number;
  /** The memo to use (default: a new one for this call, dropped after it). */
  cache?: VerificationCache;
};

/** Verifies every item; resolves with one outcome per item, in input order. Never rejects per item. */
export async function verifyBundles(
  items: readonly BundleBatchItem[],
  batch: VerifyBundlesOptions = {},
): Promise<BundleBatchOutcome[]> {
  if (!Array.isArray(items)) throw new VerificationError('OPTIONS_INVALID', 'items must be an array');
  const concurrency = batch.concurrency ?? 16;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new VerificationError('OPTIONS_INVALID', 'concurrency must be a positive integer');
  }
  if (batch.cache !== undefined && !(batch.cache instanceof VerificationCache)) {
    throw new VerificationError('OPTIONS_INVALID', 'cache must come from createVerificationCache');
  }
  const cache = batch.cache ?? new VerificationCache();
  const out: BundleBatchOutcome[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i] as BundleBatchItem;
      try {
        const options = { ...item?.options, cache } as VerifyBundleOptions;
        out[i] = { ok: true, result: await verifyBundle(item?.bundle, options) };
      } catch (e) {
        out[i] = { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

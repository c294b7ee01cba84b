/**
 * Result of validating a proposed Rekor entry: what the log stores (the canonical body, exactly as
 * Rekor's `Canonicalize()` would produce it) and what it indexes (Rekor's search index keys). The
 * types are the SDK's (@scriba/sdk/entries), where the entry kinds live.
 */
export type { SearchKeys, ValidatedEntry } from '@scriba/sdk/entries';

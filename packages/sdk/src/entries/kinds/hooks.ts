/**
 * The server-side validation hooks of entry kinds, as interfaces: what a log's write path MUST
 * provide for every kind the table (./table.ts) lets a write API accept. The hooks themselves
 * (signature checks with the platform's crypto) live in the server; keyed by `WritableKindId`, a
 * missing hook for a writable kind is a compile error.
 */
import type { SearchKeys } from '../search-keys.js';
import type { WritableKindId } from './table.js';

/** What validating a proposed entry yields: the canonical body the log stores and what it indexes. */
export type ValidatedEntry = {
  kind: string;
  apiVersion: string;
  /** Canonical Rekor body bytes (RFC 8785 JSON), what `body` of the LogEntry base64-encodes. */
  body: Uint8Array;
  /** RFC 6962 leaf hash: SHA-256(0x00 || body). */
  leafHash: Uint8Array;
  searchKeys: SearchKeys;
  /**
   * The body's stored form (stored-body.ts `encodeStoredBody`), when the validator computed it from
   * the parts it canonicalized (`encodeStoredBodyOf`); a log computes it from the body otherwise.
   */
  storedBody?: Uint8Array;
};

/**
 * Validates the `spec` of a proposed entry of one kind: schema, encodings, every signature really
 * verifies; then canonicalizes it with the kind's SDK function. Throws the server's coded error.
 */
export type EntryValidationHook<Spec = Record<string, unknown>> = (spec: Spec) => Promise<ValidatedEntry>;

/** One hook per kind a write API accepts (exhaustive by type). */
export type ServerValidationHooks<Api extends 'v1' | 'v2', Spec = Record<string, unknown>> = {
  readonly [K in WritableKindId<Api>]: EntryValidationHook<Spec>;
};

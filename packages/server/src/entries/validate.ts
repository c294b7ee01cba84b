/**
 * Entry point of proposed-entry validation (Rekor v1 `ProposedEntry`): dispatches on kind/apiVersion.
 */
import { EntryValidationError } from './errors.js';
import type { ValidatedEntry } from './types.js';

/**
 * Validate a proposed entry (parsed JSON of the POST body): schema, encodings, the signature(s) really
 * verify, then canonicalize exactly as Rekor does. Throws EntryValidationError.
 */
export async function validateProposedEntry(json: unknown): Promise<ValidatedEntry> {
  // First published signature; the kinds are wired in the next commits.
  void json;
  throw new EntryValidationError('UNSUPPORTED_KIND', 'kind', 'no entry kinds are wired yet');
}

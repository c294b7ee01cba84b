/**
 * Rekor entry kinds, one folder per kind and version, behind one registry and one table. To add a
 * kind: a folder here exporting its definition (parse, bind), canonicalization and search digests;
 * a row in ./table.ts; its body type and definition in ./registry.ts (the compiler points at every
 * other place: server validation hooks keyed by WritableKindId, exhaustive switches).
 */
export { checkDigest, checkSignatures, digestMismatch } from './binding-checks.js';
export type {
  BindingContext,
  BodyDigest,
  BodySignature,
  BodyVerifier,
  EntryKindDefinition,
} from './common.js';
export * from './dsse-v001/index.js';
export * from './dsse-v002/index.js';
export * from './hashedrekord-v001/index.js';
export * from './hashedrekord-v002/index.js';
export type { EntryValidationHook, ServerValidationHooks, ValidatedEntry } from './hooks.js';
export { intotoSubjectSearchDigests } from './intoto-subjects.js';
export * from './intoto-v002/index.js';
export { ENTRY_KINDS, type EntryBodyById, entryKindOf, type RekorBody } from './registry.js';
export { checkRekorHash, type RekorHash, sha256SearchKey } from './rekor-hash.js';
export {
  ENTRY_KIND_TABLE,
  type EntryKindId,
  type EntryKindRow,
  entryKindId,
  isEntryKindId,
  type WritableKindId,
  writableKinds,
} from './table.js';

/**
 * THE table of Rekor entry kinds Scriba knows (Rekor `pkg/types`, rekor-tiles v2): one row per
 * kind and version, saying which write API accepts new entries of it and whether the verifier
 * accepts bundles whose log entry has it. Change what a log or the verifier accepts HERE, and only
 * here; the registry (./registry.ts) holds the code of each kind, and the compiler checks that every
 * row has one.
 */

/**
 * `log`: the Rekor API whose logs record this kind, which fixes what its bundle entry's `logIndex`
 * means (v1: global across the log's shards, the proof's index is tree-local; v2: one log, both
 * equal). `write`: the API that logs new entries of this kind (`null`: none, read/verify only).
 */
export type EntryKindRow = {
  kind: string;
  apiVersion: string;
  log: 'v1' | 'v2';
  write: 'v1' | 'v2' | null;
  verify: boolean;
  /** Why a kind the verifier once accepted is refused now (its error message). */
  retired?: string;
};

export const ENTRY_KIND_TABLE = {
  'hashedrekord@0.0.1': { kind: 'hashedrekord', apiVersion: '0.0.1', log: 'v1', write: 'v1', verify: true },
  'dsse@0.0.1': { kind: 'dsse', apiVersion: '0.0.1', log: 'v1', write: 'v1', verify: true },
  'intoto@0.0.2': { kind: 'intoto', apiVersion: '0.0.2', log: 'v1', write: 'v1', verify: true },
  'hashedrekord@0.0.2': { kind: 'hashedrekord', apiVersion: '0.0.2', log: 'v2', write: 'v2', verify: true },
  // rekor-tiles #744 dropped DSSE from Rekor v2; sigstore-go, -python and -java refuse such entries.
  'dsse@0.0.2': {
    kind: 'dsse',
    apiVersion: '0.0.2',
    log: 'v2',
    write: null,
    verify: false,
    retired:
      'Rekor v2 no longer logs dsse 0.0.2 entries; a DSSE envelope is logged as hashedrekord 0.0.2 over its PAE digest',
  },
} as const satisfies Record<string, EntryKindRow>;

/** `kind@apiVersion` of every kind in the table. */
export type EntryKindId = keyof typeof ENTRY_KIND_TABLE;

/** The ids of the kinds a write API accepts (a type, so hooks keyed by it are checked for exhaustiveness). */
export type WritableKindId<Api extends 'v1' | 'v2'> = {
  [K in EntryKindId]: (typeof ENTRY_KIND_TABLE)[K]['write'] extends Api ? K : never;
}[EntryKindId];

/** `kind@apiVersion`. */
export function entryKindId(kind: string, apiVersion: string): string {
  return `${kind}@${apiVersion}`;
}

/** True when `id` names a row of the table. */
export function isEntryKindId(id: string): id is EntryKindId {
  return Object.hasOwn(ENTRY_KIND_TABLE, id);
}

/** The ids a write API accepts, in table order (runtime twin of WritableKindId). */
export function writableKinds(api: 'v1' | 'v2'): EntryKindId[] {
  return (Object.keys(ENTRY_KIND_TABLE) as EntryKindId[]).filter((id) => ENTRY_KIND_TABLE[id].write === api);
}

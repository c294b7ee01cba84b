/**
 * The registry of entry kinds: every row of the kind table (./table.ts) mapped to its definition
 * (one folder per kind and version). The mapped type makes a row without a definition, or a
 * definition of the wrong body type, a compile error; `entryKindOf` is the one runtime lookup, and
 * an id it does not know is refused by every caller (fail closed).
 */
import type { EntryKindDefinition } from './common.js';
import { type DsseV001Body, dsseV001 } from './dsse-v001/index.js';
import { type DsseV002Body, dsseV002 } from './dsse-v002/index.js';
import { type HashedRekordV001Body, hashedRekordV001 } from './hashedrekord-v001/index.js';
import { type HashedRekordV002Body, hashedRekordV002 } from './hashedrekord-v002/index.js';
import { type IntotoV002Body, intotoV002 } from './intoto-v002/index.js';
import { ENTRY_KIND_TABLE, type EntryKindId, entryKindId, isEntryKindId } from './table.js';

/** The parsed body of each kind, by id. */
export type EntryBodyById = {
  'hashedrekord@0.0.1': HashedRekordV001Body;
  'hashedrekord@0.0.2': HashedRekordV002Body;
  'dsse@0.0.1': DsseV001Body;
  'dsse@0.0.2': DsseV002Body;
  'intoto@0.0.2': IntotoV002Body;
};

/** Any parsed entry body the SDK knows. */
export type RekorBody = EntryBodyById[EntryKindId];

export const ENTRY_KINDS: { readonly [K in EntryKindId]: EntryKindDefinition<EntryBodyById[K]> } = {
  'hashedrekord@0.0.1': hashedRekordV001,
  'hashedrekord@0.0.2': hashedRekordV002,
  'dsse@0.0.1': dsseV001,
  'dsse@0.0.2': dsseV002,
  'intoto@0.0.2': intotoV002,
};

/**
 * The definition of `kind@apiVersion`, when the table has it and (with `use`) allows that use;
 * undefined otherwise.
 */
export function entryKindOf(
  kind: string,
  apiVersion: string,
  use?: 'verify' | 'v1' | 'v2',
): EntryKindDefinition<RekorBody> | undefined {
  const id = entryKindId(kind, apiVersion);
  if (!isEntryKindId(id)) return undefined;
  const row = ENTRY_KIND_TABLE[id];
  if (use === 'verify' && !row.verify) return undefined;
  if ((use === 'v1' || use === 'v2') && row.write !== use) return undefined;
  return ENTRY_KINDS[id] as EntryKindDefinition<RekorBody>;
}

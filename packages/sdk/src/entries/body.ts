/**
 * Canonical Rekor entry bodies, as found (base64) in a bundle's `canonicalizedBody`: the kinds of
 * the kind table (./kinds/table.ts) that the verifier accepts, each parsed by its folder under
 * ./kinds. `parseEntryBody` normalizes each into the fields the binding check needs
 * (GHSA-whqx-f9j3-ch6m): the signed digest(s), the signature bytes and the verifier (certificate or
 * public key, as DER). Parsing is strict: unknown kinds/versions, missing fields, bad
 * hex/base64/PEM all throw TLOG_ENTRY_MALFORMED (a VerificationError), never a TypeError.
 */
import { utf8Decode } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';
import { r } from './kinds/common.js';
import { entryKindOf, type RekorBody } from './kinds/registry.js';

export type { BodyDigest, BodySignature, BodyVerifier } from './kinds/common.js';
export type { DsseV001Body } from './kinds/dsse-v001/index.js';
export type { DsseV002Body } from './kinds/dsse-v002/index.js';
export type { HashedRekordV001Body } from './kinds/hashedrekord-v001/index.js';
export type { HashedRekordV002Body } from './kinds/hashedrekord-v002/index.js';
export type { IntotoV002Body } from './kinds/intoto-v002/index.js';
export type { RekorBody } from './kinds/registry.js';

/** Either version of hashedrekord. */
export type HashedRekordBody = Extract<RekorBody, { kind: 'hashedrekord' }>;

/** Parses a canonicalized entry body (JSON bytes). Throws TLOG_ENTRY_MALFORMED. */
export function parseEntryBody(bytes: Uint8Array): RekorBody {
  try {
    return parseBody(bytes);
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    throw new VerificationError('TLOG_ENTRY_MALFORMED', 'entry body is malformed', { cause: e });
  }
}

function parseBody(bytes: Uint8Array): RekorBody {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(bytes));
  } catch (cause) {
    throw new VerificationError('TLOG_ENTRY_MALFORMED', 'entry body is not valid JSON', { cause });
  }
  const o = r.object(json, 'body');
  const kind = r.reqString(o, 'kind', '$');
  const apiVersion = r.reqString(o, 'apiVersion', '$');
  const spec = r.reqObject(o, 'spec', '$');
  // Every kind in the table parses (a monitor reads retired kinds too); whether the verifier takes
  // it is the table's `verify` column, checked by verify/entry-body.ts.
  const def = entryKindOf(kind, apiVersion);
  if (!def)
    throw new VerificationError('TLOG_ENTRY_MALFORMED', `unsupported entry kind ${kind}@${apiVersion}`);
  return def.parseSpec(spec);
}

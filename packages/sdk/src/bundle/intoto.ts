/**
 * in-toto Attestation Framework v1 statements (https://github.com/in-toto/attestation, spec/v1):
 * building a Statement for a DSSE envelope (payload type `application/vnd.in-toto+json`), reading
 * one back (attacker-controlled: every failure is a coded VerificationError), and cosign's short
 * names for predicate types (`cosign attest --type` / `verify-attestation --type`).
 */
import { utf8Decode, utf8Encode } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

/** cosign's predicate type short names and the URIs they stand for. */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

/**
 * The predicate type URI for a short name or a URI (anything with a scheme is taken as is).
 * Throws OPTIONS_INVALID for an unknown short name.
 */
export function predicateTypeUri(nameOrUri: string): string {
  if (Object.hasOwn(PREDICATE_TYPES, nameOrUri)) return PREDICATE_TYPES[nameOrUri] as string;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(nameOrUri)) return nameOrUri;
  throw new VerificationError(
    'OPTIONS_INVALID',
    `unknown predicate type '${nameOrUri}' (a URI, or one of ${Object.keys(PREDICATE_TYPES).join(', ')})`,
  );
}

export type StatementSubject = { name: string; digest: Record<string, string> };

export type Statement = {
  type: string;
  subjects: StatementSubject[];
  predicateType: string;
  predicate?: unknown;
};

/** The JSON bytes of an in-toto v1 Statement (the DSSE payload). */
export function encodeStatement(s: {
  subjects: StatementSubject[];
  predicateType: string;
  predicate: unknown;
}): Uint8Array {
  return utf8Encode(
    JSON.stringify({
      _type: IN_TOTO_STATEMENT_V1,
      subject: s.subjects,
      predicateType: s.predicateType,
      predicate: s.predicate,
    }),
  );
}

function bad(message: string, cause?: unknown): never {
  throw new VerificationError(
    'BUNDLE_INVALID',
    `in-toto statement: ${message}`,
    cause ? { cause } : undefined,
  );
}

/** Reads an in-toto Statement (v0.1 or v1) from a DSSE payload. Throws BUNDLE_INVALID. */
export function parseStatement(payload: Uint8Array): Statement {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(payload));
  } catch (e) {
    bad('the payload is not JSON', e);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) bad('not a JSON object');
  const o = json as Record<string, unknown>;
  if (typeof o._type !== 'string') bad('_type is missing');
  if (typeof o.predicateType !== 'string' || o.predicateType === '') bad('predicateType is missing');
  if (!Array.isArray(o.subject) || o.subject.length === 0) bad('subject must be a non-empty array');
  const subjects = o.subject.map((s, i) => {
    if (typeof s !== 'object' || s === null) bad(`subject[${i}] is not an object`);
    const { name, digest } = s as { name?: unknown; digest?: unknown };
    if (typeof digest !== 'object' || digest === null || Array.isArray(digest))
      bad(`subject[${i}].digest is missing`);
    const d: Record<string, string> = {};
    for (const [k, v] of Object.entries(digest)) {
      if (typeof v !== 'string') bad(`subject[${i}].digest.${k} is not a string`);
      d[k] = v;
    }
    return { name: typeof name === 'string' ? name : '', digest: d };
  });
  return { type: o._type, subjects, predicateType: o.predicateType, predicate: o.predicate };
}

/** Throws PREDICATE_TYPE_MISMATCH unless the statement's predicate type is `expected` (name or URI). */
export function verifyPredicateType(statement: Statement, expected: string): void {
  const uri = predicateTypeUri(expected);
  if (statement.predicateType !== uri) {
    throw new VerificationError(
      'PREDICATE_TYPE_MISMATCH',
      `the statement's predicate type is ${statement.predicateType}, not ${uri}`,
    );
  }
}

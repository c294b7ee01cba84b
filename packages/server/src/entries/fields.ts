/**
 * Typed access to the fields of a proposed entry (parsed JSON, attacker-controlled). Every accessor
 * names the JSON path it reads, so a rejection says which field was wrong. Base64 follows Go's
 * `encoding/base64` as Rekor decodes `format: byte` fields (go-openapi strfmt): padded, standard
 * alphabet (or URL-safe where Rekor's DSSE code falls back to it), CR/LF ignored, non-zero padding
 * bits tolerated.
 */
import { EntryValidationError } from './errors.js';

export type Json = unknown;
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function invalid(field: string, message: string, cause?: unknown): EntryValidationError {
  return new EntryValidationError(
    'INVALID_ENTRY',
    field,
    message,
    cause === undefined ? undefined : { cause },
  );
}

/** `parent[key]` must be a JSON object. */
export function requireObject(parent: JsonObject, key: string, path: string): JsonObject {
  const v = parent[key];
  if (v === undefined || v === null) throw invalid(path, 'is required');
  if (!isObject(v)) throw invalid(path, 'must be an object');
  return v;
}

/** `parent[key]` must be a non-empty string. */
export function requireString(parent: JsonObject, key: string, path: string): string {
  const v = parent[key];
  if (v === undefined || v === null) throw invalid(path, 'is required');
  if (typeof v !== 'string') throw invalid(path, 'must be a string');
  if (v.length === 0) throw invalid(path, 'must not be empty');
  return v;
}

/** `parent[key]` if present must be a string; absent/null gives undefined. */
export function optionalString(parent: JsonObject, key: string, path: string): string | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(path, 'must be a string');
  return v;
}

/** `parent[key]` must be a non-empty array of at most `max` elements. */
export function requireArray(parent: JsonObject, key: string, path: string, max: number): unknown[] {
  const v = parent[key];
  if (v === undefined || v === null) throw invalid(path, 'is required');
  if (!Array.isArray(v)) throw invalid(path, 'must be an array');
  if (v.length === 0) throw invalid(path, 'must not be empty');
  if (v.length > max) throw invalid(path, `must have at most ${max} elements`);
  return v;
}

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL = /^(?:[A-Za-z0-9\-_]{4})*(?:[A-Za-z0-9\-_]{2}==|[A-Za-z0-9\-_]{3}=)?$/;

/** Go `base64.StdEncoding.DecodeString` (CR/LF ignored); null when not valid. */
export function goBase64Std(s: string): Uint8Array | null {
  const t = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (!STD.test(t)) return null;
  return new Uint8Array(Buffer.from(t, 'base64'));
}

/** Go `base64.URLEncoding.DecodeString` (padded URL-safe alphabet, CR/LF ignored); null when not valid. */
export function goBase64Url(s: string): Uint8Array | null {
  const t = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (!URL.test(t)) return null;
  return new Uint8Array(Buffer.from(t, 'base64url'));
}

/** Decodes a required non-empty base64 (`format: byte`) field. */
export function requireBase64(parent: JsonObject, key: string, path: string): Uint8Array {
  const s = requireString(parent, key, path);
  const b = goBase64Std(s);
  if (b === null) throw invalid(path, 'is not valid base64');
  if (b.length === 0) throw invalid(path, 'must not be empty');
  return b;
}

/** Replaces lone UTF-16 surrogates by U+FFFD, as Go's JSON decoder does for invalid escapes. */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

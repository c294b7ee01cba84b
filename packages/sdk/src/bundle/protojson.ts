/**
 * Protobuf-JSON (proto3 canonical JSON mapping) readers for the sigstore protobuf-specs messages:
 * a field may be spelled in lowerCamelCase or with its original snake_case name; int64/uint64 are
 * decimal strings (numbers accepted); bytes are base64 (standard or URL-safe alphabet, padding
 * optional, line breaks skipped). Every reader throws a coded VerificationError with the field's path on bad input: this
 * is attacker-controlled data and no TypeError/SyntaxError may escape.
 */
import { base64Decode, utf8Decode } from '../encoding.js';
import { VerificationError, type VerificationErrorCode } from '../verify/errors.js';

export type JsonObject = Record<string, unknown>;

/**
 * The JSON value behind a parser's input: text and UTF-8 bytes are parsed (failure throws `code`,
 * "<what> is not valid JSON"); anything else is taken as an already-parsed value.
 */
export function jsonInput(input: unknown, code: VerificationErrorCode, what: string): unknown {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return input;
  try {
    return JSON.parse(typeof input === 'string' ? input : utf8Decode(input));
  } catch (cause) {
    throw new VerificationError(code, `${what} is not valid JSON`, { cause });
  }
}

export class Reader {
  constructor(
    readonly code: VerificationErrorCode,
    readonly what: string,
  ) {}

  fail(path: string, message: string, cause?: unknown): never {
    throw new VerificationError(this.code, `${this.what}: ${path}: ${message}`, { cause, field: path });
  }

  /** The value of a field under its camelCase name or its snake_case proto name. */
  field(obj: JsonObject, camel: string): unknown {
    if (Object.hasOwn(obj, camel)) return obj[camel];
    const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (snake !== camel && Object.hasOwn(obj, snake)) return obj[snake];
    return undefined;
  }

  object(v: unknown, path: string): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as JsonObject;
  }

  optObject(obj: JsonObject, name: string, path: string): JsonObject | undefined {
    const v = this.field(obj, name);
    if (v === undefined || v === null) return undefined;
    return this.object(v, `${path}.${name}`);
  }

  reqObject(obj: JsonObject, name: string, path: string): JsonObject {
    const v = this.optObject(obj, name, path);
    if (v === undefined) this.fail(`${path}.${name}`, 'missing');
    return v;
  }

  array(obj: JsonObject, name: string, path: string): unknown[] {
    const v = this.field(obj, name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(`${path}.${name}`, 'expected an array');
    return v;
  }

  optString(obj: JsonObject, name: string, path: string): string | undefined {
    const v = this.field(obj, name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(`${path}.${name}`, 'expected a string');
    return v;
  }

  reqString(obj: JsonObject, name: string, path: string): string {
    const v = this.optString(obj, name, path);
    if (v === undefined || v === '') this.fail(`${path}.${name}`, 'missing');
    return v;
  }

  /** A proto int64 holding a non-negative safe integer; absent means 0 (proto3 default). */
  int64(obj: JsonObject, name: string, path: string, required = false): number {
    const v = this.field(obj, name);
    const p = `${path}.${name}`;
    if (v === undefined || v === null) {
      if (required) this.fail(p, 'missing');
      return 0;
    }
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) n = Number(v);
    else this.fail(p, 'expected an integer');
    if (!Number.isSafeInteger(n)) this.fail(p, 'integer out of range');
    if (n < 0) this.fail(p, 'negative integer');
    return n;
  }

  optInt64(obj: JsonObject, name: string, path: string): number | undefined {
    const v = this.field(obj, name);
    if (v === undefined || v === null) return undefined;
    return this.int64(obj, name, path);
  }

  bytes(obj: JsonObject, name: string, path: string): Uint8Array {
    const v = this.field(obj, name);
    const p = `${path}.${name}`;
    if (v === undefined || v === null || v === '') this.fail(p, 'missing');
    if (typeof v !== 'string') this.fail(p, 'expected base64 bytes');
    return this.decodeBytes(v, p);
  }

  optBytes(obj: JsonObject, name: string, path: string): Uint8Array | undefined {
    const v = this.field(obj, name);
    if (v === undefined || v === null || v === '') return undefined;
    return this.bytes(obj, name, path);
  }

  decodeBytes(s: string, path: string): Uint8Array {
    try {
      return decodeProtoBytes(s);
    } catch (e) {
      this.fail(path, 'invalid base64', e);
    }
  }
}

/**
 * Decodes proto3-JSON bytes: standard or URL-safe base64, with or without padding; CR/LF line
 * breaks are skipped as Go's protojson (encoding/base64) does. Strict otherwise.
 */
export function decodeProtoBytes(s: string): Uint8Array {
  // The common case, canonical standard base64, decodes as it is: the normalizations below only
  // change a string that strict decoding refuses (URL-safe letters, missing padding, line breaks).
  if (typeof s === 'string' && s.length % 4 === 0) {
    try {
      return base64Decode(s);
    } catch {
      // normalized below, then decoded (or refused) strictly
    }
  }
  let t = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (/[-_]/.test(t)) t = t.replace(/-/g, '+').replace(/_/g, '/');
  if (t.length % 4 !== 0 && !t.endsWith('=')) t += '='.repeat((4 - (t.length % 4)) % 4);
  return base64Decode(t);
}

/**
 * JSON Canonicalization Scheme (RFC 8785): object members sorted by the UTF-16 code units of
 * their names, no whitespace, numbers in ECMAScript Number-to-String form (RFC 8785 §3.2.2.3),
 * strings escaped as ECMAScript JSON.stringify does (§3.2.2.2). Rekor signs and hashes entry
 * bodies in this form, so byte-exactness matters.
 *
 * Input is a JS value restricted to the I-JSON data model: null, booleans, finite numbers,
 * strings without lone surrogates, arrays and plain objects. Anything else (NaN/Infinity,
 * undefined array elements, bigint, functions, class instances such as Date or Uint8Array,
 * cycles, nesting deeper than MAX_DEPTH) throws INVALID_INPUT. Object members whose value is
 * `undefined` are omitted, as JSON.stringify does.
 */
import { utf8Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';

/** Maximum nesting of arrays/objects (also what turns cycles into an error). */
export const MAX_DEPTH = 512;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function str(s: string): string {
  if (LONE_SURROGATE.test(s))
    throw new ScribaError('INVALID_INPUT', 'canonical JSON: string with a lone surrogate');
  return JSON.stringify(s);
}

function ser(v: unknown, depth: number): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new ScribaError('INVALID_INPUT', 'canonical JSON: non-finite number');
      // ECMAScript Number::toString is exactly RFC 8785's number serialization (-0 becomes "0").
      return String(v);
    case 'string':
      return str(v);
    case 'object': {
      if (depth >= MAX_DEPTH)
        throw new ScribaError('INVALID_INPUT', 'canonical JSON: nesting too deep (or a cycle)');
      if (Array.isArray(v)) {
        const parts: string[] = [];
        for (let i = 0; i < v.length; i++) {
          if (v[i] === undefined)
            throw new ScribaError('INVALID_INPUT', 'canonical JSON: undefined array element');
          parts.push(ser(v[i], depth + 1));
        }
        return `[${parts.join(',')}]`;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new ScribaError('INVALID_INPUT', 'canonical JSON: only plain objects and arrays are allowed');
      }
      const obj = v as Record<string, unknown>;
      // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 requires.
      const keys = Object.keys(obj).sort();
      const parts: string[] = [];
      for (const k of keys) {
        const val = obj[k];
        if (val === undefined) continue;
        parts.push(`${str(k)}:${ser(val, depth + 1)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new ScribaError('INVALID_INPUT', `canonical JSON: cannot serialize a ${typeof v}`);
  }
}

/** RFC 8785 canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  return ser(value, 0);
}

/** UTF-8 bytes of the RFC 8785 canonical JSON of `value`. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalJson(value));
}

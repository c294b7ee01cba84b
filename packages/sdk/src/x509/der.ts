/**
 * The verifier's strict DER reader (ITU-T X.690 §10, DER) for X.509 (RFC 5280) and CMS / RFC 3161
 * structures, plus raw-TLV helpers for the places that need the exact encoded bytes of a part
 * (certificate names, the TBS with one extension removed for RFC 6962 §3.2, CMS signed attributes).
 *
 * `DerReader` walks the fields of one constructed value in order and refuses anything a DER encoder
 * cannot produce: indefinite or non-minimal lengths, trailing bytes or fields, INTEGERs that are not
 * minimal, BOOLEANs other than 0x00/0xFF, a DEFAULT value encoded, non-zero unused BIT STRING bits,
 * times not in their one canonical form, out-of-order SET OF elements (X.690 §11.6). Each refusal is
 * a VerificationError with the caller's code and `field` set to the path of the offending field
 * (e.g. `SignerInfo.signatureAlgorithm`), so every malformed field is told apart.
 */
import { decodeOid, encodeTlv, readTlv } from '../crypto/der.js';
import { VerificationError, type VerificationErrorCode } from '../verify/errors.js';

export type RawTlv = { tag: number; value: Uint8Array; raw: Uint8Array };

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_UTF8_STRING = 0x0c;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;

/** Splits the contents of a constructed DER value into child TLVs with their full encodings. */
export function rawChildren(value: Uint8Array): RawTlv[] {
  const out: RawTlv[] = [];
  let p = 0;
  while (p < value.length) {
    const t = readTlv(value, p);
    out.push({ tag: t.tag, value: t.value, raw: value.subarray(p, t.end) });
    p = t.end;
  }
  return out;
}

/** The single TLV in `buf` (no trailing bytes allowed). */
export function single(buf: Uint8Array): RawTlv {
  const t = readTlv(buf, 0);
  if (t.end !== buf.length) throw new RangeError('DER: trailing bytes');
  return { tag: t.tag, value: t.value, raw: buf };
}

export { encodeTlv };

/** Byte-wise order of two encodings (X.690 §11.6: SET OF components in ascending order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const MAX_DEPTH = 32;

/** Reads the fields of one constructed DER value in order. */
export class DerReader {
  private pos = 0;

  /**
   * @param buf the contents of the constructed value
   * @param path the name fields are reported under (`path.field`)
   * @param code the error code of every refusal
   */
  constructor(
    private readonly buf: Uint8Array,
    readonly path: string,
    readonly code: VerificationErrorCode,
  ) {}

  /** A reader over the contents of `der`, which MUST be exactly one TLV with `tag`. */
  static top(der: Uint8Array, tag: number, path: string, code: VerificationErrorCode): DerReader {
    const outer = new DerReader(der, '', code);
    const t = outer.tlvAt(path);
    if (t.tag !== tag) outer.failAt(path, `expected tag 0x${hex(tag)}, got 0x${hex(t.tag)}`);
    if (outer.pos !== der.length) outer.failAt(path, 'trailing bytes after the structure');
    return new DerReader(t.value, path, code);
  }

  /** Throws this reader's code for `field` (a name within this reader, or '' for the whole). */
  fail(field: string, message: string, cause?: unknown): never {
    this.failAt(this.name(field), message, cause);
  }

  private failAt(field: string, message: string, cause?: unknown): never {
    throw new VerificationError(this.code, `${field}: ${message}`, {
      field,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /** `path.field` (or `path` for ''). */
  name(field: string): string {
    if (field === '') return this.path;
    if (this.path === '') return field;
    return field.startsWith('[') ? `${this.path}${field}` : `${this.path}.${field}`;
  }

  private tlvAt(field: string): RawTlv {
    const start = this.pos;
    try {
      const t = readTlv(this.buf, start);
      this.pos = t.end;
      return { tag: t.tag, value: t.value, raw: this.buf.subarray(start, t.end) };
    } catch (e) {
      if (e instanceof VerificationError) throw e;
      this.failAt(field, `not valid DER (${e instanceof Error ? e.message : String(e)})`, e);
    }
  }

  /** The tag of the next field, or undefined at the end. */
  peekTag(): number | undefined {
    return this.pos < this.buf.length ? this.buf[this.pos] : undefined;
  }

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The next field, which MUST carry `tag`. */
  next(tag: number, field: string): RawTlv {
    if (this.atEnd()) this.fail(field, 'missing');
    const save = this.pos;
    const t = this.tlvAt(this.name(field));
    if (t.tag !== tag) {
      this.pos = save;
      this.fail(field, `expected tag 0x${hex(tag)}, got 0x${hex(t.tag)}`);
    }
    return t;
  }

  /** The next field when it carries `tag`; undefined (nothing consumed) otherwise. */
  optional(tag: number, field: string): RawTlv | undefined {
    return this.peekTag() === tag ? this.next(tag, field) : undefined;
  }

  /** Any next field (for ANY / CHOICE), checked to be well-formed DER throughout. */
  any(field: string): RawTlv {
    if (this.atEnd()) this.fail(field, 'missing');
    const t = this.tlvAt(this.name(field));
    checkWellFormed(t, this.name(field), this.code);
    return t;
  }

  /** A reader over the next field's contents (constructed, `tag`). `as` renames the path. */
  enter(tag: number, field: string, as?: string): DerReader {
    const t = this.next(tag, field);
    return new DerReader(t.value, as ?? this.name(field), this.code);
  }

  /** A reader over the contents of a TLV already read from this reader. */
  into(t: RawTlv, field: string, as?: string): DerReader {
    return new DerReader(t.value, as ?? this.name(field), this.code);
  }

  /** No field may follow. */
  end(): void {
    if (!this.atEnd()) {
      const tag = this.peekTag() as number;
      this.fail('', `unexpected field with tag 0x${hex(tag)} after the last one`);
    }
  }

  /** INTEGER (minimal two's complement, X.690 §8.3.2); its content octets. */
  integer(field: string, tag = TAG_INTEGER): Uint8Array {
    const v = this.next(tag, field).value;
    checkInteger(v, () => this.fail(field, 'INTEGER is not minimally encoded'));
    return v;
  }

  /** A non-negative INTEGER small enough for a number. */
  smallInt(field: string, tag = TAG_INTEGER): number {
    const v = this.integer(field, tag);
    if (((v[0] as number) & 0x80) !== 0) this.fail(field, 'negative INTEGER');
    if (v.length > 6) this.fail(field, 'INTEGER too large');
    let n = 0;
    for (const b of v) n = n * 256 + b;
    return n;
  }

  /** OBJECT IDENTIFIER in dotted form (minimal arcs). */
  oid(field: string): string {
    const v = this.next(TAG_OID, field).value;
    try {
      return decodeOid(v);
    } catch (e) {
      this.fail(field, 'malformed OBJECT IDENTIFIER', e);
    }
  }

  /** BOOLEAN: DER allows only 0x00 and 0xFF (X.690 §11.1). */
  boolean(field: string): boolean {
    const v = this.next(TAG_BOOLEAN, field).value;
    if (v.length !== 1 || (v[0] !== 0 && v[0] !== 0xff)) this.fail(field, 'BOOLEAN is not 0x00 or 0xFF');
    return v[0] === 0xff;
  }

  /** An optional BOOLEAN DEFAULT FALSE: DER omits FALSE (X.690 §11.5), so a present one is TRUE. */
  defaultFalse(field: string): boolean {
    if (this.peekTag() !== TAG_BOOLEAN) return false;
    if (!this.boolean(field)) this.fail(field, 'a DEFAULT FALSE BOOLEAN is encoded as FALSE');
    return true;
  }

  /** NULL (05 00). */
  null(field: string): void {
    if (this.next(TAG_NULL, field).value.length !== 0) this.fail(field, 'NULL with contents');
  }

  /** OCTET STRING (primitive) contents. */
  octets(field: string, tag = TAG_OCTET_STRING): Uint8Array {
    return this.next(tag, field).value;
  }

  /**
   * BIT STRING bits (the bytes after the unused-bits count), with unused bits zero (X.690 §11.2.1).
   * `named`: a named bit list, which DER writes without trailing zero bits (X.690 §11.2.2).
   */
  bitString(field: string, opts: { named?: boolean; octetAligned?: boolean } = {}): Uint8Array {
    const v = this.next(TAG_BIT_STRING, field).value;
    const unused = v[0];
    if (unused === undefined || unused > 7) this.fail(field, 'bad BIT STRING unused-bits count');
    if (v.length === 1 && unused !== 0) this.fail(field, 'empty BIT STRING with unused bits');
    if (opts.octetAligned && unused !== 0) this.fail(field, 'BIT STRING is not octet-aligned');
    const last = v[v.length - 1] as number;
    if (v.length > 1 && (last & ((1 << unused) - 1)) !== 0)
      this.fail(field, 'non-zero unused BIT STRING bits');
    if (opts.named && v.length > 1 && (last & (1 << unused)) === 0) {
      this.fail(field, 'named bit list with trailing zero bits');
    }
    return v.subarray(1);
  }

  /**
   * GeneralizedTime in its DER form YYYYMMDDHHMMSS[.f*]Z (X.690 §11.7: 'Z', seconds present, no
   * trailing zeros in the fraction and no bare point). `fraction`: whether a fraction is allowed
   * (RFC 3161 genTime yes; RFC 5280 times no). Milliseconds since the epoch (fraction truncated).
   */
  generalizedTime(field: string, fraction: boolean): number {
    const s = ascii(this.next(TAG_GENERALIZED_TIME, field).value);
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(s);
    if (!m || (m[7] !== undefined && !fraction))
      this.fail(field, `GeneralizedTime ${JSON.stringify(s)} is not in DER form`);
    const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
    return this.calendar(field, s, Number(m[1]), m[2], m[3], m[4], m[5], m[6], ms);
  }

  /** UTCTime YYMMDDHHMMSSZ (DER, X.690 §11.8); years 50–99 are 19xx (RFC 5280 §4.1.2.5.1). */
  utcTime(field: string): number {
    const s = ascii(this.next(TAG_UTC_TIME, field).value);
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) this.fail(field, `UTCTime ${JSON.stringify(s)} is not in DER form`);
    const yy = Number(m[1]);
    return this.calendar(field, s, yy >= 50 ? 1900 + yy : 2000 + yy, m[2], m[3], m[4], m[5], m[6], 0);
  }

  /** X.509 Time: UTCTime or GeneralizedTime (without fraction). */
  time(field: string): number {
    return this.peekTag() === TAG_UTC_TIME ? this.utcTime(field) : this.generalizedTime(field, false);
  }

  private calendar(
    field: string,
    s: string,
    year: number,
    mo?: string,
    d?: string,
    h?: string,
    mi?: string,
    se?: string,
    ms = 0,
  ): number {
    const [month, day, hour, minute, second] = [mo, d, h, mi, se].map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    const back = new Date(t);
    if (
      back.getUTCFullYear() !== year ||
      back.getUTCMonth() !== month - 1 ||
      back.getUTCDate() !== day ||
      back.getUTCHours() !== hour ||
      back.getUTCMinutes() !== minute ||
      back.getUTCSeconds() !== second
    ) {
      this.fail(field, `time ${JSON.stringify(s)} is not a valid date`);
    }
    return t;
  }

  /**
   * SET OF (tag 0x31 unless given): its elements, which MUST be in ascending DER order
   * (X.690 §11.6) unless `sorted` is false; `min` elements at least.
   */
  setOf(field: string, opts: { tag?: number; sorted?: boolean; min?: number } = {}): RawTlv[] {
    const t = this.next(opts.tag ?? TAG_SET, field);
    return this.elements(t, field, opts);
  }

  /** The elements of a SET OF / SEQUENCE OF TLV already read (see setOf). */
  elements(t: RawTlv, field: string, opts: { sorted?: boolean; min?: number } = {}): RawTlv[] {
    const r = this.into(t, field);
    const out: RawTlv[] = [];
    while (!r.atEnd()) out.push(r.tlvAt(r.name(`[${out.length}]`)));
    if (out.length < (opts.min ?? 0)) this.fail(field, `needs at least ${opts.min} element(s)`);
    if (opts.sorted !== false) {
      for (let i = 1; i < out.length; i++) {
        if (compareBytes((out[i - 1] as RawTlv).raw, (out[i] as RawTlv).raw) > 0) {
          this.fail(field, 'SET OF elements are not in DER order');
        }
      }
    }
    return out;
  }

  /**
   * AlgorithmIdentifier (RFC 5280 §4.1.1.2): the OID and its parameters. `params`: 'absent' (must
   * be omitted), 'null-or-absent' (NULL or omitted, RFC 4055 / RFC 5754), 'any'.
   */
  algorithm(
    field: string,
    params: 'absent' | 'null-or-absent' | 'any' = 'any',
  ): { oid: string; raw: Uint8Array; params?: RawTlv } {
    const t = this.next(TAG_SEQUENCE, field);
    const r = this.into(t, field);
    const oid = r.oid('algorithm');
    let p: RawTlv | undefined;
    if (!r.atEnd()) {
      if (params === 'absent') r.fail('parameters', `parameters must be absent for ${oid}`);
      if (params === 'null-or-absent') {
        r.null('parameters');
        p = undefined;
      } else p = r.any('parameters');
    }
    r.end();
    return p === undefined ? { oid, raw: t.raw } : { oid, raw: t.raw, params: p };
  }
}

/** Throws (via `fail`) unless `v` is a minimally encoded INTEGER (X.690 §8.3.2). */
export function checkInteger(v: Uint8Array, fail: () => never): void {
  if (v.length === 0) fail();
  if (v.length > 1) {
    const b0 = v[0] as number;
    const b1 = v[1] as number;
    if ((b0 === 0x00 && (b1 & 0x80) === 0) || (b0 === 0xff && (b1 & 0x80) !== 0)) fail();
  }
}

/** Checks that a TLV is well-formed DER all the way down (constructed values recursively). */
export function checkWellFormed(t: RawTlv, field: string, code: VerificationErrorCode, depth = 0): void {
  if ((t.tag & 0x20) === 0) return;
  if (depth > MAX_DEPTH) throw new VerificationError(code, `${field}: nested too deeply`, { field });
  let children: RawTlv[];
  try {
    children = rawChildren(t.value);
  } catch (e) {
    throw new VerificationError(code, `${field}: not valid DER`, { field, cause: e });
  }
  for (const c of children) checkWellFormed(c, field, code, depth + 1);
}

function ascii(v: Uint8Array): string {
  let s = '';
  for (const b of v) s += String.fromCharCode(b);
  return s;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

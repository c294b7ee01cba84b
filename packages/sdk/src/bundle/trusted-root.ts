/**
 * Sigstore TrustedRoot parsing (sigstore protobuf-specs `trustroot.proto`, protobuf-JSON), media
 * types `application/vnd.dev.sigstore.trustedroot+json;version=0.1|0.2` and
 * `application/vnd.dev.sigstore.trustedroot.v0.2+json`.
 *
 * Validity windows (TimeRange) are closed intervals [start, end]. A window that is present but has
 * no start (or an unparseable bound, or end < start) is malformed: the instance is kept but marked
 * invalid, and any attempt to use it is refused with TRUSTED_ROOT_INVALID (never treated as
 * unbounded). An absent window is unbounded, as in the protobuf-specs.
 */
import { VerificationError } from '../verify/errors.js';
import { type JsonObject, jsonInput, Reader } from './protojson.js';
import type { CertificateAuthority, TransparencyLogInstance, TrustedRoot, TrustWindow } from './types.js';

const MEDIA_TYPES = new Set([
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot+json;version=0.2',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
]);

const r: Reader = new Reader('TRUSTED_ROOT_INVALID', 'trusted root');

/** Parses a TrustedRoot from JSON text, bytes or a parsed JSON value. Throws TRUSTED_ROOT_INVALID. */
export function parseTrustedRoot(input: string | Uint8Array | unknown): TrustedRoot {
  const json = jsonInput(input, 'TRUSTED_ROOT_INVALID', 'trusted root');
  const root = r.object(json, 'trusted root');
  const mediaType = r.reqString(root, 'mediaType', '$');
  if (!MEDIA_TYPES.has(mediaType)) r.fail('$.mediaType', `unsupported media type '${mediaType}'`);
  return {
    mediaType,
    tlogs: r.array(root, 'tlogs', '$').map((t, i) => parseLog(t, `$.tlogs[${i}]`)),
    ctlogs: r.array(root, 'ctlogs', '$').map((t, i) => parseLog(t, `$.ctlogs[${i}]`)),
    certificateAuthorities: r
      .array(root, 'certificateAuthorities', '$')
      .map((c, i) => parseAuthority(c, `$.certificateAuthorities[${i}]`)),
    timestampAuthorities: r
      .array(root, 'timestampAuthorities', '$')
      .map((c, i) => parseAuthority(c, `$.timestampAuthorities[${i}]`)),
  };
}

function parseLog(v: unknown, p: string): TransparencyLogInstance {
  const o = r.object(v, p);
  const pk = r.reqObject(o, 'publicKey', p);
  return {
    baseUrl: r.optString(o, 'baseUrl', p) ?? '',
    hashAlgorithm: r.optString(o, 'hashAlgorithm', p) ?? 'SHA2_256',
    keyDetails: r.optString(pk, 'keyDetails', `${p}.publicKey`) ?? '',
    publicKey: r.bytes(pk, 'rawBytes', `${p}.publicKey`),
    validFor: parseWindow(pk, `${p}.publicKey`),
    logId: r.bytes(r.reqObject(o, 'logId', p), 'keyId', `${p}.logId`),
  };
}

function parseAuthority(v: unknown, p: string): CertificateAuthority {
  const o = r.object(v, p);
  const chain = r.reqObject(o, 'certChain', p);
  const certs = r.array(chain, 'certificates', `${p}.certChain`).map((c, i) => {
    const cp = `${p}.certChain.certificates[${i}]`;
    return r.bytes(r.object(c, cp), 'rawBytes', cp);
  });
  if (certs.length === 0) r.fail(`${p}.certChain.certificates`, 'empty certificate chain');
  return { uri: r.optString(o, 'uri', p) ?? '', certChain: certs, validFor: parseWindow(o, p) };
}

function parseWindow(o: JsonObject, p: string): TrustWindow {
  const w = r.field(o, 'validFor');
  if (w === undefined || w === null) return {};
  if (typeof w !== 'object' || Array.isArray(w)) r.fail(`${p}.validFor`, 'expected an object');
  const wo = w as JsonObject;
  const s = r.field(wo, 'start');
  const e = r.field(wo, 'end');
  if (s === undefined || s === null) return { invalid: `${p}.validFor has no start` };
  const start = parseTime(s);
  if (start === undefined) return { invalid: `${p}.validFor.start is not an RFC 3339 time` };
  if (e === undefined || e === null) return { window: { start } };
  const end = parseTime(e);
  if (end === undefined) return { invalid: `${p}.validFor.end is not an RFC 3339 time` };
  if (end < start) return { invalid: `${p}.validFor ends before it starts` };
  return { window: { start, end } };
}

/** RFC 3339 (protobuf Timestamp JSON) to ms since the epoch; undefined when malformed. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.exec(v);
  if (!m) return undefined;
  const t = Date.parse(v.toUpperCase());
  return Number.isFinite(t) ? t : undefined;
}

/**
 * True when `t` (ms) lies in the closed window. Throws TRUSTED_ROOT_INVALID for a malformed window:
 * a trust anchor with a broken validity MUST be refused, not treated as unbounded.
 */
export function windowContains(w: TrustWindow, t: number): boolean {
  if (w.invalid !== undefined) {
    throw new VerificationError('TRUSTED_ROOT_INVALID', `malformed validity window: ${w.invalid}`);
  }
  if (w.window === undefined) return true;
  return t >= w.window.start && (w.window.end === undefined || t <= w.window.end);
}

/**
 * Sigstore SigningConfig parsing (sigstore protobuf-specs `trustroot.proto`, protobuf-JSON), media
 * type `application/vnd.dev.sigstore.signingconfig.v0.2+json`: the services a signer should use
 * (Fulcio CAs, OIDC providers, Rekor logs, timestamp authorities), each with its major API version,
 * validity window and operator, and the selectors saying how many of each to use (ALL, ANY, EXACT
 * with a count). v0.1 is not read (clients need not support it, rekor-tiles CLIENTS.md).
 *
 * Checked: every URL is http(s), every service has a positive major API version and a validity
 * window with an RFC 3339 start (end, when given, not before it), an EXACT selector has a count of
 * at least 1. Throws SIGNING_CONFIG_INVALID naming the field.
 */
import { type JsonObject, jsonInput, Reader } from './protojson.js';
import { parseTime } from './trusted-root.js';

export const SIGNING_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

export type SigningService = {
  url: string;
  majorApiVersion: number;
  validFor: { start: number; end?: number };
  operator: string;
};

export type ServiceSelector = { selector: 'ALL' | 'ANY' | 'EXACT'; count?: number };

export type SigningConfig = {
  mediaType: string;
  caUrls: SigningService[];
  oidcUrls: SigningService[];
  rekorTlogUrls: SigningService[];
  rekorTlogConfig?: ServiceSelector;
  tsaUrls: SigningService[];
  tsaConfig?: ServiceSelector;
};

const r: Reader = new Reader('SIGNING_CONFIG_INVALID', 'signing config');

/** Parses a SigningConfig from JSON text, bytes or a parsed value. Throws SIGNING_CONFIG_INVALID. */
export function parseSigningConfig(input: string | Uint8Array | unknown): SigningConfig {
  const json = jsonInput(input, 'SIGNING_CONFIG_INVALID', 'signing config');
  const o = r.object(json, 'signing config');
  const mediaType = r.reqString(o, 'mediaType', '$');
  if (mediaType !== SIGNING_CONFIG_MEDIA_TYPE) r.fail('$.mediaType', `unsupported media type '${mediaType}'`);
  const services = (name: string) => r.array(o, name, '$').map((s, i) => parseService(s, `$.${name}[${i}]`));
  const out: SigningConfig = {
    mediaType,
    caUrls: services('caUrls'),
    oidcUrls: services('oidcUrls'),
    rekorTlogUrls: services('rekorTlogUrls'),
    tsaUrls: services('tsaUrls'),
  };
  const rekorTlogConfig = parseSelector(o, 'rekorTlogConfig');
  if (rekorTlogConfig) out.rekorTlogConfig = rekorTlogConfig;
  const tsaConfig = parseSelector(o, 'tsaConfig');
  if (tsaConfig) out.tsaConfig = tsaConfig;
  return out;
}

function parseService(v: unknown, p: string): SigningService {
  const o = r.object(v, p);
  const url = r.reqString(o, 'url', p);
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
    r.fail(`${p}.url`, `not an http(s) URL: '${url}'`);
  const major = r.field(o, 'majorApiVersion');
  if (typeof major !== 'number' || !Number.isSafeInteger(major) || major < 1) {
    r.fail(`${p}.majorApiVersion`, 'expected a positive integer');
  }
  const w = r.reqObject(o, 'validFor', p);
  const start = parseTime(r.field(w, 'start'));
  if (start === undefined) r.fail(`${p}.validFor.start`, 'expected an RFC 3339 time');
  const validFor: SigningService['validFor'] = { start };
  const endRaw = r.field(w, 'end');
  if (endRaw !== undefined && endRaw !== null) {
    const end = parseTime(endRaw);
    if (end === undefined || end < start)
      r.fail(`${p}.validFor.end`, 'expected an RFC 3339 time after start');
    validFor.end = end;
  }
  return { url, majorApiVersion: major as number, validFor, operator: r.optString(o, 'operator', p) ?? '' };
}

function parseSelector(o: JsonObject, name: string): ServiceSelector | undefined {
  const s = r.optObject(o, name, '$');
  if (!s) return undefined;
  const selector = r.reqString(s, 'selector', `$.${name}`);
  if (selector !== 'ALL' && selector !== 'ANY' && selector !== 'EXACT') {
    r.fail(`$.${name}.selector`, `unknown selector '${selector}'`);
  }
  const count = r.field(s, 'count');
  if (selector === 'EXACT') {
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
      r.fail(`$.${name}.count`, 'EXACT needs a count of at least 1');
    }
    return { selector, count };
  }
  return { selector };
}

/**
 * The services a client should use now: those valid at `now` with a major API version it supports,
 * newest start first (protobuf-specs service selection).
 */
export function activeServices(
  services: SigningService[],
  maxApiVersion: number,
  now = Date.now(),
): SigningService[] {
  return services
    .filter(
      (s) =>
        s.majorApiVersion <= maxApiVersion && s.validFor.start <= now && (s.validFor.end ?? Infinity) >= now,
    )
    .sort((a, b) => b.majorApiVersion - a.majorApiVersion || b.validFor.start - a.validFor.start);
}

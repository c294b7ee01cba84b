/**
 * RFC 3161 time-stamp tokens (TimeStampResp / TimeStampToken = CMS SignedData, RFC 5652, with an
 * id-ct-TSTInfo payload) verified against the trusted timestamp authorities of a Sigstore
 * TrustedRoot: the token MUST be signed (CMS signed attributes: content type + message digest of
 * the TSTInfo) by the first certificate of a trusted TSA chain (or an embedded certificate issued
 * by it), its message imprint MUST be the hash of the bundle's signature bytes, every certificate on
 * the TSA path MUST be valid at genTime, and the TSA's trusted-root window MUST contain genTime.
 *
 * The token is read field by field by ./timestamp-parse.ts with the strict DER reader of ./der.ts
 * (as certificates are, see certificate.ts): the exact signed-attribute bytes are needed anyway, and
 * a schema-library parse cost more than the signature checks it feeds. Beyond the signature, the
 * token's names MUST agree with the path found (ESS signing certificate, tsa name, embedded copies).
 */
import { windowContains } from '../bundle/trusted-root.js';
import { digest, type PublicKey, verifySignature } from '../crypto/index.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { bytesEqual } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';
import {
  certificateValidAt,
  isIssuedBy,
  OID_EKU_TIME_STAMPING,
  type X509Certificate,
} from './certificate.js';
import type { TrustedAuthority } from './chain.js';
import { hashAlgorithmOf, signatureAlgorithmOf } from './oids.js';
import {
  type CmsSigner,
  OID_ATTR_MESSAGE_DIGEST,
  type ParsedTimestamp,
  parseTimestamp,
} from './timestamp-parse.js';

export { type CmsSigner, type EssCertId, type ParsedTimestamp, parseTimestamp } from './timestamp-parse.js';

function sidMatches(signer: CmsSigner, cert: X509Certificate): boolean {
  const sid = signer.sid;
  if ('ski' in sid) return cert.subjectKeyId !== undefined && bytesEqual(sid.ski, cert.subjectKeyId);
  return (
    bytesEqual(sid.issuer, cert.issuer) && bytesEqual(stripZeros(sid.serial), stripZeros(cert.serialNumber))
  );
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * The CMS signature (RFC 5652 §5.4, §5.6): the message digest attribute MUST be the digest of the
 * TSTInfo, the signature algorithm MUST suit the TSA key, and the signature over the DER signed
 * attributes MUST verify. Throws TIMESTAMP_SIGNATURE_INVALID.
 */
async function verifyCms(ts: ParsedTimestamp, key: PublicKey, cache?: VerificationCache): Promise<void> {
  const s = ts.signer;
  const digestAlg = hashAlgorithmOf(s.digestAlgorithm);
  const sa = signatureAlgorithmOf(s.signatureAlgorithm, 'cms');
  if (!digestAlg || !sa) throw new VerificationError('TIMESTAMP_MALFORMED', 'unsupported CMS algorithm');
  if (sa.key !== key.kind) {
    throw new VerificationError(
      'TIMESTAMP_SIGNATURE_INVALID',
      `the signature algorithm ${s.signatureAlgorithm} does not suit the TSA's ${key.kind} key`,
    );
  }
  const md = s.attributes.get(OID_ATTR_MESSAGE_DIGEST);
  if (!md || !bytesEqual(md.value, digest(digestAlg, ts.tstInfo))) {
    throw new VerificationError(
      'TIMESTAMP_SIGNATURE_INVALID',
      'timestamp content digest does not match its TSTInfo',
    );
  }
  let ok = false;
  try {
    ok = await verifySignature(key, ts.signedAttrs, s.signature, {
      hash: sa.hash ?? digestAlg,
      cache,
      ...(key.kind === 'ecdsa' ? { ecdsaFormat: 'der' as const } : {}),
    });
  } catch {
    ok = false;
  }
  if (!ok) throw new VerificationError('TIMESTAMP_SIGNATURE_INVALID', 'timestamp signature does not verify');
}

/**
 * The token names its signer and its TSA consistently with the certificate path found: the first
 * ESS certificate identifier's issuer and serial number (RFC 5035 §5.4), when given, are the
 * signer certificate's; a directoryName in TSTInfo.tsa is the signer's subject (RFC 3161 §2.4.2); an
 * embedded certificate that claims to be one of the path (same issuer and serial number) is that
 * certificate byte for byte. Throws TIMESTAMP_UNTRUSTED_TSA.
 */
function checkSignerNames(ts: ParsedTimestamp, path: X509Certificate[]): void {
  const signerCert = path[0] as X509Certificate;
  const untrusted = (m: string): never => {
    throw new VerificationError('TIMESTAMP_UNTRUSTED_TSA', m);
  };
  const ess = ts.signer.essCertIds[0];
  if (ess) {
    // The ESS certificate hash is read (timestamp-parse.ts) but not compared: sigstore-js's mock TSA,
    // whose tokens sigstore-js accepts, writes one that matches no certificate; the signature under a
    // trusted path already fixes the signer.
    const is = ess.issuerSerial;
    if (
      is &&
      (!bytesEqual(stripZeros(is.serial), stripZeros(signerCert.serialNumber)) ||
        !is.issuerNames.some((n) => bytesEqual(n, signerCert.issuer)))
    ) {
      untrusted("the token's ESS issuer and serial number are not its signer certificate's");
    }
  }
  const dn = ts.tsaName?.directoryName;
  if (dn && !bytesEqual(dn, signerCert.subject)) {
    untrusted("the token's tsa name is not the subject of its signing certificate");
  }
  for (const e of ts.embedded) {
    for (const p of path) {
      const same =
        bytesEqual(e.issuer, p.issuer) && bytesEqual(stripZeros(e.serialNumber), stripZeros(p.serialNumber));
      if (same && !bytesEqual(e.der, p.der)) {
        untrusted(
          'an embedded certificate has the issuer and serial number of a TSA certificate but other contents',
        );
      }
    }
  }
}

export type TimestampResult = { time: number; authority: TrustedAuthority };

/**
 * Verifies one RFC 3161 timestamp over `signature` against the trusted TSAs. Throws
 * TIMESTAMP_MALFORMED / _UNTRUSTED_TSA / _SIGNATURE_INVALID / _MESSAGE_IMPRINT_MISMATCH /
 * _CERT_NOT_VALID_AT_TIME / _TSA_NOT_VALID_AT_TIME.
 */
export async function verifyRfc3161Timestamp(
  der: Uint8Array,
  signature: Uint8Array,
  authorities: TrustedAuthority[],
  cache?: VerificationCache,
): Promise<TimestampResult> {
  // A parsed token is a pure function of its DER: with a cache, one parse per distinct token (and
  // its embedded certificates are then the same objects, so their issuer checks are memoized too).
  const ts = cache ? cache.memo('rfc3161-token', [der], () => parseTimestamp(der)) : parseTimestamp(der);
  // The possible signer paths: the first certificate of a trusted TSA chain, or an embedded
  // certificate (to be confirmed as issued by it below). Their CMS signature checks (P-384 TSAs on
  // node:crypto's pool) and embedded issuer checks start here, before anything awaits, so they run
  // beside the rest of the bundle's verification; results are still taken in the fixed order below.
  const possible: { authority: TrustedAuthority; path: X509Certificate[]; issued?: Promise<boolean> }[] = [];
  for (const authority of authorities) {
    const first = authority.chain[0];
    if (!first) continue;
    if (sidMatches(ts.signer, first)) {
      possible.push({ authority, path: authority.chain });
      continue;
    }
    for (const e of ts.embedded) {
      if (sidMatches(ts.signer, e))
        possible.push({ authority, path: [e, ...authority.chain], issued: isIssuedBy(e, first) });
    }
  }
  const cmsChecks = new Map<X509Certificate, Promise<void>>();
  for (const { path } of possible) {
    const signerCert = path[0] as X509Certificate;
    if (cmsChecks.has(signerCert)) continue;
    const check = (async () => verifyCms(ts, signerCert.publicKey(), cache))();
    check.catch(() => {});
    cmsChecks.set(signerCert, check);
  }
  const candidates: { authority: TrustedAuthority; path: X509Certificate[] }[] = [];
  for (let i = 0; i < possible.length; i++) {
    const p = possible[i] as (typeof possible)[number];
    if (p.issued === undefined) {
      candidates.push(p);
      continue;
    }
    if (!(await p.issued)) continue;
    candidates.push(p);
    // one embedded signer per authority: the first that its chain issued
    while (possible[i + 1]?.authority === p.authority) i++;
  }
  if (candidates.length === 0) {
    throw new VerificationError(
      'TIMESTAMP_UNTRUSTED_TSA',
      'the timestamp was not signed by a trusted timestamp authority',
    );
  }
  let firstError: unknown;
  for (const c of candidates) {
    try {
      const signerCert = c.path[0] as X509Certificate;
      if (!signerCert.extKeyUsage.includes(OID_EKU_TIME_STAMPING)) {
        throw new VerificationError(
          'TIMESTAMP_UNTRUSTED_TSA',
          'the TSA certificate lacks the timeStamping usage',
        );
      }
      for (let i = 0; i + 1 < c.path.length; i++) {
        if (!(await isIssuedBy(c.path[i] as X509Certificate, c.path[i + 1] as X509Certificate))) {
          throw new VerificationError('TIMESTAMP_UNTRUSTED_TSA', 'the TSA certificate chain does not verify');
        }
      }
      await cmsChecks.get(signerCert);
      checkSignerNames(ts, c.path);
      if (!bytesEqual(ts.imprint, digest(ts.imprintAlgorithm, signature))) {
        throw new VerificationError(
          'TIMESTAMP_MESSAGE_IMPRINT_MISMATCH',
          'the timestamp is not over this bundle signature',
        );
      }
      if (!c.path.every((cert) => certificateValidAt(cert, ts.genTime))) {
        throw new VerificationError(
          'TIMESTAMP_CERT_NOT_VALID_AT_TIME',
          `a TSA certificate is not valid at the timestamp time ${new Date(ts.genTime).toISOString()}`,
        );
      }
      if (!windowContains(c.authority.validFor, ts.genTime)) {
        throw new VerificationError(
          'TIMESTAMP_TSA_NOT_VALID_AT_TIME',
          `the TSA is not trusted at the timestamp time ${new Date(ts.genTime).toISOString()}`,
        );
      }
      return { time: ts.genTime, authority: c.authority };
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}

/**
 * Signed Certificate Timestamps embedded in a certificate (RFC 6962 §3.2–3.3; extension
 * 1.3.6.1.4.1.11129.2.4.2). The signed data of an embedded SCT covers the *precertificate*: the
 * leaf's TBSCertificate with the SCT-list extension removed, plus the SHA-256 of the issuer's
 * SubjectPublicKeyInfo. Each SCT is checked against the trusted CT log with its log ID, whose
 * validity window must contain the SCT's timestamp. SCT extensions (e.g. Static CT leaf indices)
 * are covered by the signature and otherwise ignored.
 */
import { windowContains } from '../bundle/trusted-root.js';
import type { TrustWindow } from '../bundle/types.js';
import { type PublicKey, sha256, verifySignature } from '../crypto/index.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { bytesEqual, concatBytes } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';
import { OID_SCT_LIST, type X509Certificate } from './certificate.js';
import { encodeTlv, rawChildren, single } from './der.js';

export type Sct = {
  version: number;
  logId: Uint8Array;
  /** ms since the epoch. */
  timestamp: number;
  extensions: Uint8Array;
  hashAlgorithm: number;
  signatureAlgorithm: number;
  signature: Uint8Array;
};

export type TrustedCtLog = {
  logId: Uint8Array;
  /** The parsed key, or the reason it could not be used. */
  key: PublicKey | Error;
  validFor: TrustWindow;
};

function malformed(message: string, cause?: unknown): never {
  throw new VerificationError('SCT_MALFORMED', message, { cause });
}

/** Parses the TLS-encoded SignedCertificateTimestampList inside the extension's OCTET STRING. */
export function parseSctList(extValue: Uint8Array): Sct[] {
  let list: Uint8Array;
  try {
    const t = single(extValue);
    if (t.tag !== 0x04) throw new RangeError('not an OCTET STRING');
    list = t.value;
  } catch (e) {
    malformed('SCT list extension is not an OCTET STRING', e);
  }
  const rd = new TlsReader(list);
  const body = rd.vec(2);
  rd.end();
  const out: Sct[] = [];
  const lr = new TlsReader(body);
  while (!lr.done()) {
    const sr = new TlsReader(lr.vec(2));
    const version = sr.u(1);
    const logId = sr.bytes(32);
    const timestamp = sr.u(8);
    const extensions = sr.vec(2);
    const hashAlgorithm = sr.u(1);
    const signatureAlgorithm = sr.u(1);
    const signature = sr.vec(2);
    sr.end();
    out.push({ version, logId, timestamp, extensions, hashAlgorithm, signatureAlgorithm, signature });
  }
  return out;
}

class TlsReader {
  private p = 0;
  constructor(private readonly b: Uint8Array) {}
  done(): boolean {
    return this.p === this.b.length;
  }
  end(): void {
    if (!this.done()) malformed('trailing bytes in SCT data');
  }
  bytes(n: number): Uint8Array {
    if (this.p + n > this.b.length) malformed('truncated SCT data');
    const out = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return out;
  }
  u(n: number): number {
    let v = 0;
    for (const x of this.bytes(n)) v = v * 256 + x;
    if (!Number.isSafeInteger(v)) malformed('SCT integer out of range');
    return v;
  }
  vec(lenBytes: number): Uint8Array {
    return this.bytes(this.u(lenBytes));
  }
}

/** The leaf's TBSCertificate re-encoded without the SCT-list extension (RFC 6962 §3.2). */
export function precertificateTbs(leaf: X509Certificate): Uint8Array {
  try {
    const parts = rawChildren(single(leaf.tbs).value);
    const out: Uint8Array[] = [];
    for (const part of parts) {
      if (part.tag !== 0xa3) {
        out.push(part.raw);
        continue;
      }
      const exts = rawChildren(single(part.value).value).filter((ext) => {
        const oidTlv = rawChildren(ext.value)[0];
        return !(oidTlv && oidTlv.tag === 0x06 && bytesEqual(oidTlv.raw, SCT_OID_DER));
      });
      out.push(encodeTlv(0xa3, encodeTlv(0x30, concatBytes(...exts.map((e) => e.raw)))));
    }
    return encodeTlv(0x30, concatBytes(...out));
  } catch (e) {
    throw new VerificationError('CERTIFICATE_MALFORMED', 'cannot rebuild the precertificate TBS', {
      cause: e,
    });
  }
}

// DER of OBJECT IDENTIFIER 1.3.6.1.4.1.11129.2.4.2
const SCT_OID_DER = new Uint8Array([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02]);

function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  let v = n;
  for (let i = 7; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** The digitally-signed struct of an embedded (precert) SCT, RFC 6962 §3.2. */
export function sctSignedData(sct: Sct, issuerSpki: Uint8Array, tbs: Uint8Array): Uint8Array {
  const len24 = new Uint8Array([(tbs.length >>> 16) & 0xff, (tbs.length >>> 8) & 0xff, tbs.length & 0xff]);
  const extLen = new Uint8Array([(sct.extensions.length >>> 8) & 0xff, sct.extensions.length & 0xff]);
  return concatBytes(
    new Uint8Array([sct.version, 0]), // version, signature_type = certificate_timestamp
    u64(sct.timestamp),
    new Uint8Array([0, 1]), // entry_type = precert_entry
    sha256(issuerSpki),
    len24,
    tbs,
    extLen,
    sct.extensions,
  );
}

export type SctResult = { sct: Sct; logId: Uint8Array };

/**
 * Verifies the leaf's embedded SCTs against the trusted CT logs and returns the ones that
 * verified (one per log). SCTs from unknown logs, or that fail, are not counted; the caller
 * applies the threshold (SCT_THRESHOLD_NOT_MET).
 */
export async function verifyEmbeddedScts(
  leaf: X509Certificate,
  issuer: X509Certificate,
  ctlogs: TrustedCtLog[],
  cache?: VerificationCache,
): Promise<SctResult[]> {
  const ext = leaf.extension(OID_SCT_LIST);
  if (!ext) return [];
  const scts = parseSctList(ext.value);
  const tbs = precertificateTbs(leaf);
  const verified: SctResult[] = [];
  for (const sct of scts) {
    if (sct.version !== 0 || sct.hashAlgorithm !== 4) continue; // v1, SHA-256
    const log = ctlogs.find((l) => bytesEqual(l.logId, sct.logId));
    if (!log || log.key instanceof Error) continue;
    if (!windowContains(log.validFor, sct.timestamp)) continue;
    if (verified.some((v) => bytesEqual(v.logId, sct.logId))) continue;
    const key = log.key;
    const okAlg =
      (sct.signatureAlgorithm === 3 && key.kind === 'ecdsa') ||
      (sct.signatureAlgorithm === 1 && key.kind === 'rsa');
    if (!okAlg) continue;
    let ok = false;
    try {
      ok = await verifySignature(key, sctSignedData(sct, issuer.spki, tbs), sct.signature, {
        hash: 'sha256',
        cache,
      });
    } catch {
      ok = false;
    }
    if (ok) verified.push({ sct, logId: sct.logId });
  }
  return verified;
}

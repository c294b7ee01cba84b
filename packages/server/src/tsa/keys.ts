/**
 * The timestamp authority's signing key and certificate chain (RFC 3161 §2.3, RFC 5280).
 *
 * Either loaded from the operator's files (SCRIBA_TSA_KEY + SCRIBA_TSA_CERT_CHAIN: a PEM private key
 * and a PEM chain, signing certificate first), or, by default, generated on first start into the
 * data directory: `tsa-key.pem` (ECDSA P-256 or P-384, mode 0600, never overwritten) and
 * `tsa-chain.pem` (a self-signed root and a leaf). The root's private key is used once to issue the
 * leaf and then dropped, so nobody can issue another certificate under that root.
 *
 * The signing certificate MUST carry the extended key usage id-kp-timeStamping, alone and marked
 * critical (RFC 3161 §2.3); a loaded chain is checked for that, for the key matching the leaf, for
 * every certificate being valid now and for each being signed by the next (the SDK's certificate
 * reader does the checking).
 * Certificates are built with @peculiar/asn1-x509 and signed with node:crypto.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  id_kp_timeStamping,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { pemDecodeAll, pemEncode } from '@scriba/sdk/crypto';
import { bytesEqual } from '@scriba/sdk/encoding';
import { isIssuedBy, OID_EKU_TIME_STAMPING, parseCertificate, type X509Certificate } from '@scriba/sdk/x509';
import { ConfigError } from '../config.js';
import { createOnce, replaceWhole } from '../keys/create-once.js';

export type TsaCurve = 'P-256' | 'P-384';

export type TsaKeyMaterial = {
  privateKey: KeyObject;
  curve: TsaCurve;
  /** Digest of the CMS signature (SHA-256 for P-256, SHA-384 for P-384). */
  hash: 'sha256' | 'sha384';
  /** DER certificates, signing certificate first, root last. */
  chain: Uint8Array[];
  /** The chain as PEM (what GET /api/v1/timestamp/certchain serves). */
  chainPem: string;
  /** The signing certificate as read by the SDK. */
  leaf: X509Certificate;
  /** The signing certificate as @peculiar/asn1-x509 (issuer Name and serial for the token). */
  leafAsn: Certificate;
  /** The signing certificate's subject, as a TrustedRoot `DistinguishedName`. */
  subject: { organization: string; commonName: string };
};

const OID_ORG = '2.5.4.10';
const OID_CN = '2.5.4.3';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const ECDSA_SHA384 = '1.2.840.10045.4.3.3';
const CURVES: Record<string, TsaCurve> = { prime256v1: 'P-256', secp384r1: 'P-384' };

function toBytes(b: ArrayBuffer | Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

function name(org: string, cn: string): Name {
  const rdn = (type: string, v: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: v }) }),
    ]);
  return new Name([rdn(OID_ORG, org), rdn(OID_CN, cn)]);
}

/** A positive serial number of 16 random bytes (RFC 5280 §4.1.2.2: at most 20 octets, positive). */
function serial(): ArrayBuffer {
  const b = randomBytes(16);
  b[0] = ((b[0] as number) & 0x7f) | 0x01;
  return toBytes(b).buffer as ArrayBuffer;
}

function keyId(spki: Uint8Array): ArrayBuffer {
  const parsed = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING contents.
  return toBytes(createHash('sha1').update(new Uint8Array(parsed.subjectPublicKey)).digest())
    .buffer as ArrayBuffer;
}

function ext(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function curveOf(key: KeyObject, source: string): TsaCurve {
  const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (key.asymmetricKeyType !== 'ec' || !curve) {
    throw new ConfigError(`timestamp authority key ${source} must be an ECDSA P-256 or P-384 key`);
  }
  return curve;
}

function issue(opts: {
  subject: Name;
  issuer: Name;
  spki: Uint8Array;
  issuerSpki: Uint8Array;
  issuerKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
}): Uint8Array {
  const hash = curveOf(opts.issuerKey, 'issuer') === 'P-384' ? 'sha384' : 'sha256';
  const sigAlg = new AlgorithmIdentifier({ algorithm: hash === 'sha384' ? ECDSA_SHA384 : ECDSA_SHA256 });
  const extensions = opts.ca
    ? [
        ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
        ext(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
        ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(opts.spki))),
      ]
    : [
        ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
        ext(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
        // RFC 3161 §2.3: the TSA certificate MUST contain only this EKU, marked critical.
        ext(id_ce_extKeyUsage, true, new ExtendedKeyUsage([id_kp_timeStamping])),
        ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(opts.spki))),
        ext(
          id_ce_authorityKeyIdentifier,
          false,
          new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId(opts.issuerSpki)) }),
        ),
      ];
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial(),
    signature: sigAlg,
    issuer: opts.issuer,
    validity: new Validity({ notBefore: opts.notBefore, notAfter: opts.notAfter }),
    subject: opts.subject,
    subjectPublicKeyInfo: AsnConvert.parse(opts.spki, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  const tbsDer = toBytes(AsnConvert.serialize(tbs));
  const signature = sign(hash, tbsDer, opts.issuerKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: sigAlg,
    signatureValue: toBytes(signature).buffer as ArrayBuffer,
  });
  return toBytes(AsnConvert.serialize(cert));
}

/** A fresh key (PKCS#8 PEM) and a chain (PEM: leaf, root) valid from `now` for `years`. */
export function generateTsaMaterial(opts: {
  curve?: TsaCurve;
  organization: string;
  now?: Date;
  years?: number;
}): { keyPem: string; chainPem: string } {
  const curve = opts.curve ?? 'P-256';
  const rootKey = generateKeyPairSync('ec', { namedCurve: curve });
  const leafKey = generateKeyPairSync('ec', { namedCurve: curve });
  const spki = (k: KeyObject) => new Uint8Array(k.export({ type: 'spki', format: 'der' }));
  // Whole seconds: X.509 times carry no fractions, and a token made in the first second MUST fall
  // inside the validity.
  const notBefore = new Date(Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (opts.years ?? 10));
  const rootName = name(opts.organization, `${opts.organization} timestamp root`);
  const rootDer = issue({
    subject: rootName,
    issuer: rootName,
    spki: spki(rootKey.publicKey),
    issuerSpki: spki(rootKey.publicKey),
    issuerKey: rootKey.privateKey,
    notBefore,
    notAfter,
    ca: true,
  });
  const leafDer = issue({
    subject: name(opts.organization, `${opts.organization} timestamp authority`),
    issuer: rootName,
    spki: spki(leafKey.publicKey),
    issuerSpki: spki(rootKey.publicKey),
    issuerKey: rootKey.privateKey,
    notBefore,
    notAfter,
    ca: false,
  });
  return {
    keyPem: leafKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    chainPem: pemEncode(leafDer, 'CERTIFICATE') + pemEncode(rootDer, 'CERTIFICATE'),
  };
}

/** Parses and checks a key and chain. Throws ConfigError naming `source`. */
export async function parseTsaMaterial(
  keyPem: string,
  chainPem: string,
  source: string,
): Promise<TsaKeyMaterial> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw new ConfigError(`timestamp authority key ${source} is not a readable PEM private key`);
  }
  const curve = curveOf(privateKey, source);
  let chain: Uint8Array[];
  let certs: X509Certificate[];
  try {
    chain = pemDecodeAll(chainPem, 'CERTIFICATE').map((b) => b.der);
    certs = chain.map((der) => parseCertificate(der));
  } catch (e) {
    throw new ConfigError(
      `timestamp authority chain ${source} is not a PEM certificate chain: ${(e as Error).message}`,
    );
  }
  const leaf = certs[0] as X509Certificate;
  const spki = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  if (!bytesEqual(spki, leaf.spki)) {
    throw new ConfigError(`timestamp authority chain ${source}: the first certificate is not the key's`);
  }
  const eku = leaf.extensions.find((e) => e.oid === '2.5.29.37');
  if (!eku?.critical || leaf.extKeyUsage.length !== 1 || leaf.extKeyUsage[0] !== OID_EKU_TIME_STAMPING) {
    throw new ConfigError(
      `timestamp authority chain ${source}: the signing certificate MUST have only the timeStamping extended key usage, marked critical`,
    );
  }
  const now = Date.now();
  const stale = certs.findIndex((c) => now < c.notBefore || now > c.notAfter);
  if (stale !== -1) {
    throw new ConfigError(
      `timestamp authority chain ${source}: certificate ${stale} is not valid now (${new Date(certs[stale]!.notBefore).toISOString()} to ${new Date(certs[stale]!.notAfter).toISOString()}); its tokens would not verify`,
    );
  }
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!(await isIssuedBy(certs[i] as X509Certificate, certs[i + 1] as X509Certificate))) {
      throw new ConfigError(
        `timestamp authority chain ${source}: certificate ${i} is not signed by the next`,
      );
    }
  }
  const leafAsn = AsnConvert.parse(chain[0] as Uint8Array, Certificate);
  // The token names its signer by the issuer Name and serial re-encoded from this parse; they MUST be
  // the certificate's own bytes (a non-DER certificate would not round-trip).
  if (!bytesEqual(new Uint8Array(AsnConvert.serialize(leafAsn)), chain[0] as Uint8Array)) {
    throw new ConfigError(`timestamp authority chain ${source}: the signing certificate is not DER`);
  }
  const attr = (oid: string) =>
    leafAsn.tbsCertificate.subject
      .flatMap((rdn) => [...rdn])
      .find((a) => a.type === oid)
      ?.value.toString() ?? '';
  return {
    privateKey,
    curve,
    hash: curve === 'P-384' ? 'sha384' : 'sha256',
    chain,
    chainPem: chain.map((der) => pemEncode(der, 'CERTIFICATE')).join(''),
    leaf,
    leafAsn,
    subject: { organization: attr(OID_ORG), commonName: attr(OID_CN) },
  };
}

async function readConfigured(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(`${variable} file ${path} cannot be read`);
  }
}

/**
 * Loads the operator's key and chain (both paths given), or `<dataDir>/tsa-key.pem` and
 * `<dataDir>/tsa-chain.pem`, creating both on first start.
 */
export async function loadOrCreateTsaMaterial(opts: {
  keyPath?: string;
  chainPath?: string;
  dataDir: string;
  curve: TsaCurve;
  organization: string;
}): Promise<TsaKeyMaterial> {
  if (opts.keyPath !== undefined || opts.chainPath !== undefined) {
    if (opts.keyPath === undefined || opts.chainPath === undefined) {
      throw new ConfigError('SCRIBA_TSA_KEY and SCRIBA_TSA_CERT_CHAIN must be given together');
    }
    return parseTsaMaterial(
      await readConfigured(opts.keyPath, 'SCRIBA_TSA_KEY'),
      await readConfigured(opts.chainPath, 'SCRIBA_TSA_CERT_CHAIN'),
      opts.keyPath,
    );
  }
  const keyPath = join(opts.dataDir, 'tsa-key.pem');
  const chainPath = join(opts.dataDir, 'tsa-chain.pem');
  await mkdir(dirname(keyPath), { recursive: true });
  const fresh = generateTsaMaterial({ curve: opts.curve, organization: opts.organization });
  try {
    // The key first and exclusively: of two processes starting on one data directory, one wins and
    // the others read what it wrote, each file whole (create-once.ts).
    await createOnce(keyPath, fresh.keyPem, 0o600);
    // Public, but the data directory is private as a whole (0700, files 0600): the chain is served over HTTP.
    await replaceWhole(chainPath, fresh.chainPem, 0o600);
    return parseTsaMaterial(fresh.keyPem, fresh.chainPem, keyPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = await stat(keyPath);
  if ((st.mode & 0o077) !== 0) {
    throw new ConfigError(`timestamp authority key ${keyPath} is readable by group or others; chmod 600 it`);
  }
  let chainPem: string | undefined;
  for (let i = 0; i < 50 && chainPem === undefined; i++) {
    chainPem = await readFile(chainPath, 'utf8').catch(() => undefined);
    if (chainPem === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  if (chainPem === undefined) {
    throw new ConfigError(`timestamp authority chain ${chainPath} is missing beside ${keyPath}`);
  }
  return parseTsaMaterial(await readFile(keyPath, 'utf8'), chainPem, keyPath);
}

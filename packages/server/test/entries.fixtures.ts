/**
 * Test fixtures for proposed-entry validation: keys of every supported type, X.509 certificates
 * built in JS (a minimal DER writer; no openssl CLI), and proposed Rekor v1 entries of each kind,
 * signed as real clients sign them (sigstore-js for hashedrekord / dsse / intoto).
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';

export type KeyKind = 'P-256' | 'P-384' | 'P-521' | 'RSA-2048' | 'RSA-3072' | 'Ed25519';

export type TestKey = {
  kind: KeyKind;
  privateKey: KeyObject;
  publicKey: KeyObject;
  spki: Buffer;
  pem: string;
  /** Ed25519 seed, for Ed25519ph signing with noble. */
  seed?: Uint8Array;
};

const keyCache = new Map<KeyKind, TestKey>();

export function testKey(kind: KeyKind, fresh = false): TestKey {
  const hit = keyCache.get(kind);
  if (hit && !fresh) return hit;
  const pair =
    kind === 'Ed25519'
      ? generateKeyPairSync('ed25519')
      : kind.startsWith('RSA')
        ? generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(4)) })
        : generateKeyPairSync('ec', { namedCurve: kind });
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  const k: TestKey = {
    kind,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    spki,
    pem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
  if (kind === 'Ed25519') {
    const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
    k.seed = new Uint8Array(pkcs8.subarray(pkcs8.length - 32));
  }
  if (!fresh) keyCache.set(kind, k);
  return k;
}

export type HashAlg = 'sha256' | 'sha384' | 'sha512';

export function digestOf(alg: HashAlg, data: Uint8Array): Buffer {
  return createHash(alg).update(data).digest();
}

/** Signature over `artifact` as a hashedrekord client makes it (ECDSA DER / PKCS#1 v1.5 / Ed25519ph). */
export function signArtifact(key: TestKey, alg: HashAlg, artifact: Uint8Array): Buffer {
  if (key.kind === 'Ed25519') return Buffer.from(ed25519ph.sign(artifact, key.seed as Uint8Array));
  return sign(alg, artifact, key.privateKey);
}

/** Signature over a message (DSSE PAE) as Rekor's DSSE verifiers expect: SHA-256 for ECDSA/RSA. */
export function signMessage(key: TestKey, message: Uint8Array): Buffer {
  return sign(key.kind === 'Ed25519' ? null : 'sha256', message, key.privateKey);
}

export function pemOf(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64');

// ---- minimal DER writer (X.690) for test certificates --------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}
const seq = (...c: Buffer[]) => tlv(0x30, ...c);
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) stack.unshift(0x80 | (v & 0x7f));
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
function int(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if (bytes.length === 0 || (bytes[0] as number) & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}
const utcTime = (d: Date) => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));
const name = (cn: string) => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));

function sigAlg(key: TestKey): Buffer {
  if (key.kind === 'Ed25519') return seq(oid('1.3.101.112'));
  if (key.kind.startsWith('RSA')) return seq(oid('1.2.840.113549.1.1.11'), tlv(0x05));
  return seq(oid('1.2.840.10045.4.3.2'));
}

export type CertOptions = {
  subject: TestKey;
  issuer?: TestKey;
  issuerName?: string;
  subjectName?: string;
  ca?: boolean;
  emails?: string[];
  uris?: string[];
  /** iPAddress SANs (4 or 16 bytes). */
  ips?: Uint8Array[];
  /** otherName SANs: [type-id OID, UTF8String value]. */
  otherNames?: [string, string][];
  notBefore?: Date;
  notAfter?: Date;
  serial?: number;
};

/** A DER X.509 v3 certificate for `subject`'s key, signed by `issuer` (default: self-signed). */
export function makeCertificate(o: CertOptions): Buffer {
  const issuer = o.issuer ?? o.subject;
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = o.notAfter ?? new Date(notBefore.getTime() + 10 * 60_000);
  const exts: Buffer[] = [];
  const sans = [
    ...(o.emails ?? []).map((e) => tlv(0x81, Buffer.from(e))),
    ...(o.uris ?? []).map((u) => tlv(0x86, Buffer.from(u))),
    ...(o.ips ?? []).map((ip) => tlv(0x87, Buffer.from(ip))),
    ...(o.otherNames ?? []).map(([id, v]) => tlv(0xa0, oid(id), tlv(0xa0, tlv(0x0c, Buffer.from(v))))),
  ];
  if (sans.length > 0) exts.push(seq(oid('2.5.29.17'), tlv(0x04, seq(...sans))));
  if (o.ca)
    exts.push(
      seq(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, seq(tlv(0x01, Buffer.from([0xff]))))),
    );
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(o.serial ?? 1 + Math.floor(Math.random() * 1e9)),
    sigAlg(issuer),
    name(o.issuerName ?? (o.issuer ? 'test-ca' : (o.subjectName ?? 'test-leaf'))),
    seq(utcTime(notBefore), utcTime(notAfter)),
    name(o.subjectName ?? (o.ca ? 'test-ca' : 'test-leaf')),
    o.subject.spki,
    ...(exts.length > 0 ? [tlv(0xa3, seq(...exts))] : []),
  );
  const signature = sign(issuer.kind === 'Ed25519' ? null : 'sha256', tbs, issuer.privateKey);
  return seq(tbs, sigAlg(issuer), tlv(0x03, Buffer.from([0]), signature));
}

// ---- proposed entries ---------------------------------------------------------------------------

export function hashedRekord(o: {
  key: TestKey;
  alg?: HashAlg;
  artifact?: Uint8Array;
  pem?: string;
  sig?: Buffer;
}) {
  const alg = o.alg ?? (o.key.kind === 'Ed25519' ? 'sha512' : 'sha256');
  const artifact = o.artifact ?? new TextEncoder().encode(`artifact ${Math.random()}`);
  const sig = o.sig ?? signArtifact(o.key, alg, artifact);
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: alg, value: digestOf(alg, artifact).toString('hex') } },
      signature: { content: b64(sig), publicKey: { content: b64(o.pem ?? o.key.pem) } },
    },
  };
}

export function pae(type: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(type);
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

export type Envelope = { payload: string; payloadType: string; signatures: { sig: string; keyid: string }[] };

export function envelope(
  keys: TestKey[],
  payload: Uint8Array,
  payloadType = 'application/vnd.in-toto+json',
): Envelope {
  return {
    payload: b64(payload),
    payloadType,
    signatures: keys.map((k) => ({ sig: b64(signMessage(k, pae(payloadType, payload))), keyid: '' })),
  };
}

export function statement(digestHex: string): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'a.txt', digest: { sha256: digestHex } }],
      predicateType: 'https://example.com/p',
      predicate: {},
    }),
  );
}

export function dsseEntry(env: Envelope, verifierPems: string[], envelopeText = JSON.stringify(env)) {
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: envelopeText, verifiers: verifierPems.map((p) => b64(p)) } },
  };
}

/** As sigstore-js builds an intoto 0.0.2 entry (payload and signature base64-encoded twice). */
export function intotoEntry(env: Envelope, verifierPems: string[]) {
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: env.payloadType,
          payload: b64(env.payload),
          signatures: env.signatures.map((s, i) => ({
            sig: b64(s.sig),
            publicKey: b64(verifierPems[i] as string),
            ...(s.keyid ? { keyid: s.keyid } : {}),
          })),
        },
        hash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify(env)).digest('hex') },
        payloadHash: {
          algorithm: 'sha256',
          value: createHash('sha256').update(Buffer.from(env.payload, 'base64')).digest('hex'),
        },
      },
    },
  };
}

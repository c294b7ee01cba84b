/**
 * Strict DER reading of RFC 3161 timestamps (x509/timestamp-parse.ts, x509/der.ts, certificates in
 * x509/certificate.ts): a real token (sigstore-conformance `rekor2-timestamp-with-embedded-cert`, a
 * TimeStampResp from Sigstore's TSA with its certificate embedded) is mutated field by field, signed
 * and unsigned parts alike, and each mutation MUST be refused with its code and the path of the
 * field; the untouched token, and tokens made by `openssl ts -reply` (EC and RSA TSAs), verify.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../src/bundle/index.js';
import { utf8Encode } from '../src/encoding.js';
import { prepareTrustMaterial } from '../src/verify/index.js';
import { parseCertificate, parseTimestamp, verifyRfc3161Timestamp } from '../src/x509/index.js';
import { CASES } from './conformance-cases.js';
import {
  at,
  clone,
  concat,
  cons,
  type DerNode,
  encodeDer,
  lengthBytes,
  node,
  oid,
  parseDer,
  prim,
} from './helpers/der-tree.js';

const CASE = 'rekor2-timestamp-with-embedded-cert';
const bundle = parseBundle(readFileSync(join(CASES, CASE, 'bundle.sigstore.json'), 'utf8'));
const tsas = prepareTrustMaterial(
  readFileSync(join(CASES, CASE, 'trusted_root.json'), 'utf8'),
).timestampAuthorities;
const TOKEN = bundle.rfc3161Timestamps[0] as Uint8Array;
const SIG = (bundle.content as { signature: Uint8Array }).signature;

// Paths in the TimeStampResp tree.
const SD = [1, 1, 0]; // TimeStampResp.timeStampToken.content.SignedData
const SI = [...SD, 4, 0]; // SignedData.signerInfos[0]
const ATTRS = [...SI, 3]; // SignerInfo.signedAttrs
const CERT = [...SD, 3, 0]; // SignedData.certificates[0]
const ECONTENT = [...SD, 2, 1, 0]; // EncapsulatedContentInfo.eContent OCTET STRING

const SHA256 = '2.16.840.1.101.3.4.2.1';
const SHA384 = '2.16.840.1.101.3.4.2.2';
const SHA512 = '2.16.840.1.101.3.4.2.3';
const alg = (o: string, params?: DerNode) => cons(0x30, params ? [oid(o), params] : [oid(o)]);
const NULL = prim(0x05, []);
const int = (...bytes: number[]) => prim(0x02, bytes);

type Mutation = (root: DerNode) => void;

/** Applies `m` to a copy of the token's tree; `tst` mutations edit the TSTInfo inside eContent. */
function mutate(m: Mutation): Uint8Array {
  const root = clone(parseDer(TOKEN));
  m(root);
  return encodeDer(root);
}
function mutateTst(m: (tst: DerNode) => void): Uint8Array {
  return mutate((root) => {
    const e = at(root, ECONTENT);
    const tst = parseDer(e.value);
    m(tst);
    e.value = encodeDer(tst);
  });
}
const replace = (path: number[], n: DerNode | ((old: DerNode) => DerNode)): Mutation => {
  return (root) => {
    const parent = at(root, path.slice(0, -1));
    const i = path.at(-1) as number;
    const kids = parent.children as DerNode[];
    kids[i] = typeof n === 'function' ? n(kids[i] as DerNode) : n;
  };
};
const insert =
  (path: number[], n: DerNode): Mutation =>
  (root) => {
    (at(root, path.slice(0, -1)).children as DerNode[]).splice(path.at(-1) as number, 0, n);
  };
const remove =
  (path: number[]): Mutation =>
  (root) => {
    (at(root, path.slice(0, -1)).children as DerNode[]).splice(path.at(-1) as number, 1);
  };

async function outcome(der: Uint8Array): Promise<string> {
  try {
    await verifyRfc3161Timestamp(der, SIG, tsas);
    return 'verified';
  } catch (e) {
    const { code, field } = e as { code?: string; field?: string };
    return field === undefined ? String(code) : `${code} at ${field}`;
  }
}

describe('the untouched token', () => {
  it('verifies, and the re-encoding helper reproduces it exactly', async () => {
    expect(encodeDer(parseDer(TOKEN))).toEqual(TOKEN);
    expect(await outcome(TOKEN)).toBe('verified');
    const t = parseTimestamp(TOKEN);
    expect(t.signer).toMatchObject({
      version: 1,
      digestAlgorithm: SHA256,
      signatureAlgorithm: '1.2.840.10045.4.3.2',
    });
    expect(t.policy).toBe('1.3.6.1.4.1.57264.2');
    expect(t.embedded).toHaveLength(1);
    expect(t.tsaName?.directoryName).toEqual(t.embedded[0]?.subject);
  });
});

// [what, mutation, expected outcome]
const MALFORMED = 'TIMESTAMP_MALFORMED at';
const cases: [string, () => Uint8Array, string][] = [
  // The response around the token and the DER framing.
  ['a rejection status', () => mutate(replace([0, 0], int(2))), `${MALFORMED} PKIStatusInfo.status`],
  [
    'a failInfo in a granted status',
    () => mutate(insert([0, 1], prim(0x03, [0x07, 0x80]))),
    `${MALFORMED} PKIStatusInfo.failInfo`,
  ],
  ['a trailing byte', () => concat([TOKEN, new Uint8Array([0])]), `${MALFORMED} TimeStampToken`],
  [
    'a non-minimal length',
    () => {
      // The PKIStatusInfo SEQUENCE (30 03 ...) with its length written in long form (30 81 03 ...).
      const d = parseDer(TOKEN);
      const inner = concat([new Uint8Array([0x30, 0x81, 0x03]), at(d, [0]).value, encodeDer(at(d, [1]))]);
      return new Uint8Array([0x30, ...lengthBytes(inner.length), ...inner]);
    },
    `${MALFORMED} TimeStampResp.status`,
  ],
  [
    'an indefinite length',
    () => {
      const d = parseDer(TOKEN);
      return concat([new Uint8Array([0x30, 0x80]), d.value, new Uint8Array([0, 0])]);
    },
    `${MALFORMED} TimeStampToken`,
  ],
  // ContentInfo.
  [
    'another content type',
    () => mutate(replace([1, 0], oid('1.2.840.113549.1.7.1'))),
    `${MALFORMED} ContentInfo.contentType`,
  ],
  ['a field after the content', () => mutate(insert([1, 2], NULL)), `${MALFORMED} ContentInfo`],
  // SignedData.
  ['SignedData version 1', () => mutate(replace([...SD, 0], int(1))), `${MALFORMED} SignedData.version`],
  ['SignedData version 4', () => mutate(replace([...SD, 0], int(4))), `${MALFORMED} SignedData.version`],
  [
    'a non-minimal SignedData version',
    () => mutate(replace([...SD, 0], int(0, 3))),
    `${MALFORMED} SignedData.version`,
  ],
  [
    'an empty digestAlgorithms set',
    () => mutate(replace([...SD, 1], cons(0x31, []))),
    `${MALFORMED} SignerInfo.digestAlgorithm`,
  ],
  [
    'digestAlgorithms as a SEQUENCE',
    () => mutate(replace([...SD, 1], (o) => cons(0x30, o.children as DerNode[]))),
    `${MALFORMED} SignedData.digestAlgorithms`,
  ],
  [
    'an unknown digest algorithm in the set',
    () => mutate(replace([...SD, 1, 0], alg('1.3.14.3.2.26'))),
    `${MALFORMED} SignedData.digestAlgorithms[0]`,
  ],
  [
    'digest algorithm parameters other than NULL',
    () => mutate(replace([...SD, 1, 0], alg(SHA256, int(0)))),
    `${MALFORMED} SignedData.digestAlgorithms[0].parameters`,
  ],
  [
    'a digest algorithm listed twice',
    () => mutate(insert([...SD, 1, 1], alg(SHA256))),
    `${MALFORMED} SignedData.digestAlgorithms[1]`,
  ],
  [
    'digestAlgorithms out of DER order',
    () => mutate(insert([...SD, 1, 0], alg(SHA512))),
    `${MALFORMED} SignedData.digestAlgorithms`,
  ],
  [
    'garbage in the digestAlgorithms set',
    () => mutate(replace([...SD, 1], prim(0x31, [0x30, 0x05, 0x06]))),
    `${MALFORMED} SignedData.digestAlgorithms[0]`,
  ],
  [
    'another encapsulated content type',
    () => mutate(replace([...SD, 2, 0], oid('1.2.840.113549.1.7.1'))),
    `${MALFORMED} EncapsulatedContentInfo.eContentType`,
  ],
  [
    'a detached (absent) eContent',
    () => mutate(remove([...SD, 2, 1])),
    `${MALFORMED} EncapsulatedContentInfo.eContent`,
  ],
  [
    'an attribute certificate among the certificates',
    () => mutate(insert([...SD, 3, 1], cons(0xa2, [int(1)]))),
    `${MALFORMED} SignedData.certificates[1]`,
  ],
  [
    'an embedded certificate whose TBS signature algorithm was changed',
    () => mutate(replace([...CERT, 0, 2, 0], oid('1.2.840.10045.4.3.2'))),
    `${MALFORMED} SignedData.certificates[0]`,
  ],
  [
    'an embedded certificate with a non-DER BOOLEAN',
    () =>
      mutate((root) => {
        // Key usage extension: critical 0xFF -> 0x01.
        const ext = at(root, [...CERT, 0, 7, 0, 0]);
        (ext.children as DerNode[])[1] = prim(0x01, [0x01]);
      }),
    `${MALFORMED} SignedData.certificates[0]`,
  ],
  [
    'an embedded certificate with a trailing field',
    () => mutate(insert([...CERT, 3], NULL)),
    `${MALFORMED} SignedData.certificates[0]`,
  ],
  [
    "an embedded copy of the TSA's certificate with another signature",
    () =>
      mutate((root) => {
        const sig = at(root, [...CERT, 2]);
        sig.value = sig.value.slice();
        sig.value[sig.value.length - 1] = (sig.value[sig.value.length - 1] as number) ^ 1;
      }),
    'TIMESTAMP_UNTRUSTED_TSA',
  ],
  [
    'an embedded certificate with another validity',
    () =>
      mutate((root) => {
        // notAfter 350326081406Z -> 350326081407Z: still strict DER, no longer the TSA's certificate.
        const t = at(root, [...CERT, 0, 4, 1]);
        t.value = utf8Encode('350326081407Z');
      }),
    'TIMESTAMP_UNTRUSTED_TSA',
  ],
  [
    'garbage as a CRL',
    () => mutate(insert([...SD, 4], cons(0xa1, [int(5)]))),
    `${MALFORMED} SignedData.crls[0]`,
  ],
  [
    'two signers',
    () => mutate((root) => at(root, [...SD, 4]).children?.push(clone(at(root, SI)))),
    `${MALFORMED} SignedData.signerInfos`,
  ],
  ['a field after signerInfos', () => mutate(insert([...SD, 5], NULL)), `${MALFORMED} SignedData`],
  // SignerInfo.
  ['SignerInfo version 2', () => mutate(replace([...SI, 0], int(2))), `${MALFORMED} SignerInfo.version`],
  [
    'SignerInfo version 3 with an issuerAndSerialNumber',
    () => mutate(replace([...SI, 0], int(3))),
    `${MALFORMED} SignerInfo.sid`,
  ],
  [
    'a subjectKeyIdentifier with version 1',
    () => mutate(replace([...SI, 1], prim(0x80, [1, 2, 3]))),
    `${MALFORMED} SignerInfo.sid`,
  ],
  [
    'a non-minimal signer serial number',
    () => mutate(replace([...SI, 1, 1], (o) => prim(0x02, [0, ...o.value]))),
    `${MALFORMED} SignerInfo.sid.serialNumber`,
  ],
  [
    'a digest algorithm not in digestAlgorithms',
    () => mutate(replace([...SI, 2], alg(SHA384))),
    `${MALFORMED} SignerInfo.digestAlgorithm`,
  ],
  [
    'an unknown digest algorithm',
    () => mutate(replace([...SI, 2], alg('1.2.840.113549.2.5'))),
    `${MALFORMED} SignerInfo.digestAlgorithm`,
  ],
  ['no signed attributes', () => mutate(remove([...SI, 3])), `${MALFORMED} SignerInfo.signedAttrs`],
  [
    'signed attributes out of DER order',
    () =>
      mutate((root) => {
        const kids = at(root, ATTRS).children as DerNode[];
        [kids[0], kids[2]] = [kids[2] as DerNode, kids[0] as DerNode];
      }),
    `${MALFORMED} SignerInfo.signedAttrs`,
  ],
  [
    'a content-type attribute naming id-data',
    () => mutate(replace([...ATTRS, 0, 1, 0], oid('1.2.840.113549.1.7.1'))),
    `${MALFORMED} SignerInfo.signedAttrs.contentType`,
  ],
  [
    'a message digest with two values',
    () =>
      mutate((root) => at(root, [...ATTRS, 2, 1]).children?.push(prim(0x04, new Uint8Array(32).fill(0xff)))),
    `${MALFORMED} SignerInfo.signedAttrs[2].attrValues`,
  ],
  [
    'a truncated message digest',
    () => mutate(replace([...ATTRS, 2, 1, 0], (o) => prim(0x04, o.value.subarray(1)))),
    `${MALFORMED} SignerInfo.signedAttrs.messageDigest`,
  ],
  [
    'a signing time that is no date',
    () => mutate(replace([...ATTRS, 1, 1, 0], prim(0x17, utf8Encode('250231185136Z')))),
    `${MALFORMED} SignerInfo.signedAttrs.signingTime`,
  ],
  [
    'an attribute without values',
    () => mutate(replace([...ATTRS, 0, 1], cons(0x31, []))),
    `${MALFORMED} SignerInfo.signedAttrs[0].attrValues`,
  ],
  [
    'no ESS signing-certificate attribute',
    () => mutate(remove([...ATTRS, 3])),
    `${MALFORMED} SignerInfo.signedAttrs.signingCertificate`,
  ],
  [
    'an ESS certificate id with the DEFAULT sha256 encoded',
    () => mutate(insert([...ATTRS, 3, 1, 0, 0, 0, 0], alg(SHA256))),
    `${MALFORMED} SignerInfo.signedAttrs.signingCertificateV2.certs[0].hashAlgorithm`,
  ],
  [
    'an ESS certificate hash of the wrong length',
    () => mutate(replace([...ATTRS, 3, 1, 0, 0, 0, 0], prim(0x04, new Uint8Array(20)))),
    `${MALFORMED} SignerInfo.signedAttrs.signingCertificateV2.certs[0].certHash`,
  ],
  [
    'an unknown signature algorithm',
    () => mutate(replace([...SI, 4], alg('1.2.840.10045.4.3.9'))),
    `${MALFORMED} SignerInfo.signatureAlgorithm`,
  ],
  [
    'ECDSA signature algorithm parameters',
    () => mutate(replace([...SI, 4], alg('1.2.840.10045.4.3.2', NULL))),
    `${MALFORMED} SignerInfo.signatureAlgorithm.parameters`,
  ],
  [
    'an RSA signature algorithm for the EC key',
    () => mutate(replace([...SI, 4], alg('1.2.840.113549.1.1.11', NULL))),
    'TIMESTAMP_SIGNATURE_INVALID',
  ],
  [
    'ecdsa-with-SHA384 instead of SHA-256',
    () => mutate(replace([...SI, 4], alg('1.2.840.10045.4.3.3'))),
    'TIMESTAMP_SIGNATURE_INVALID',
  ],
  [
    'an empty signature',
    () => mutate(replace([...SI, 5], prim(0x04, []))),
    `${MALFORMED} SignerInfo.signature`,
  ],
  [
    'an unsigned attribute without values',
    () => mutate(insert([...SI, 6], cons(0xa1, [cons(0x30, [oid('1.2.3.4'), cons(0x31, [])])]))),
    `${MALFORMED} SignerInfo.unsignedAttrs[0].attrValues`,
  ],
  [
    'an unsigned attribute value that is not DER',
    () =>
      mutate(
        insert([...SI, 6], cons(0xa1, [cons(0x30, [oid('1.2.3.4'), prim(0x31, [0x30, 0x81, 0x01, 0x00])])])),
      ),
    `${MALFORMED} SignerInfo.unsignedAttrs[0].attrValues[0]`,
  ],
  ['a field after the signature', () => mutate(insert([...SI, 6], NULL)), `${MALFORMED} SignerInfo`],
  // TSTInfo (signed: refused as malformed before any signature check).
  ['TSTInfo version 2', () => mutateTst(replace([0], int(2))), `${MALFORMED} TSTInfo.version`],
  [
    'an imprint of the wrong length',
    () => mutateTst(replace([2, 1], prim(0x04, new Uint8Array(20)))),
    `${MALFORMED} TSTInfo.messageImprint.hashedMessage`,
  ],
  [
    'an unknown imprint algorithm',
    () => mutateTst(replace([2, 0], alg('1.3.14.3.2.26', NULL))),
    `${MALFORMED} TSTInfo.messageImprint.hashAlgorithm`,
  ],
  [
    'a non-minimal serial number',
    () => mutateTst(replace([3], (o) => prim(0x02, [0, ...o.value]))),
    `${MALFORMED} TSTInfo.serialNumber`,
  ],
  [
    'a genTime fraction with a trailing zero',
    () => mutateTst(replace([4], prim(0x18, utf8Encode('20250806185136.50Z')))),
    `${MALFORMED} TSTInfo.genTime`,
  ],
  [
    'a genTime with an offset',
    () => mutateTst(replace([4], prim(0x18, utf8Encode('20250806185136+0000')))),
    `${MALFORMED} TSTInfo.genTime`,
  ],
  [
    'a genTime that is no date',
    () => mutateTst(replace([4], prim(0x18, utf8Encode('20250230185136Z')))),
    `${MALFORMED} TSTInfo.genTime`,
  ],
  [
    'genTime as a UTCTime',
    () => mutateTst(replace([4], prim(0x17, utf8Encode('250806185136Z')))),
    `${MALFORMED} TSTInfo.genTime`,
  ],
  [
    'accuracy millis 0',
    () => mutateTst((t) => at(t, [5]).children?.push(prim(0x80, [0]))),
    `${MALFORMED} TSTInfo.accuracy.millis`,
  ],
  [
    'ordering FALSE written out',
    () => mutateTst(insert([6], prim(0x01, [0]))),
    `${MALFORMED} TSTInfo.ordering`,
  ],
  ['ordering as 0x01', () => mutateTst(insert([6], prim(0x01, [1]))), `${MALFORMED} TSTInfo.ordering`],
  [
    'a tsa of an unknown GeneralName form',
    () => mutateTst(replace([7], cons(0xa0, [prim(0x89, [1])]))),
    `${MALFORMED} TSTInfo.tsa`,
  ],
  [
    'a critical extension',
    () =>
      mutateTst(insert([8], cons(0xa1, [cons(0x30, [oid('1.2.3.4'), prim(0x01, [0xff]), prim(0x04, [])])]))),
    `${MALFORMED} TSTInfo.extensions[0].critical`,
  ],
  ['a field after the last', () => mutateTst(insert([8], NULL)), `${MALFORMED} TSTInfo`],
  [
    'bytes after the TSTInfo',
    () =>
      mutate((root) => {
        const e = at(root, ECONTENT);
        e.value = concat([e.value, new Uint8Array([0])]);
      }),
    `${MALFORMED} TSTInfo`,
  ],
];

describe('a mutated token', () => {
  it.each(cases)('refuses %s', async (_what, make, want) => {
    expect(await outcome(make())).toBe(want);
  });

  it('still verifies with a well-formed unsigned attribute and a CRL (both unsigned, both allowed)', async () => {
    const crl = node(
      encodeDer(
        cons(0x30, [
          cons(0x30, [
            int(1),
            alg('1.2.840.10045.4.3.2'),
            cons(0x30, []),
            prim(0x17, utf8Encode('250101000000Z')),
          ]),
          alg('1.2.840.10045.4.3.2'),
          prim(0x03, [0]),
        ]),
      ),
    );
    const der = mutate((root) => {
      insert([...SI, 6], cons(0xa1, [cons(0x30, [oid('1.2.3.4'), cons(0x31, [prim(0x04, [1])])])]))(root);
      insert([...SD, 4], cons(0xa1, [crl]))(root);
    });
    expect(await outcome(der)).toBe('verified');
  });
});

// ---- tokens made by OpenSSL's TSA (`openssl ts -reply`) ----------------------------------------
const opensslVersion = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const haveOpenssl = opensslVersion.status === 0;
const dir = haveOpenssl ? mkdtempSync(join(tmpdir(), 'scriba-openssl-ts-')) : '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function openssl(...args: string[]): string {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A CA and a TSA certificate (EKU timeStamping, critical) with `keyAlg`, then one `ts -reply`. */
function opensslToken(
  keyAlg: string[],
  name: string,
  data: Uint8Array,
): { token: Uint8Array; certs: Uint8Array[] } {
  const p = (f: string) => `${name}-${f}`;
  openssl('genpkey', ...keyAlg, '-out', p('ca.key'));
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    p('ca.key'),
    '-subj',
    `/O=scriba test/CN=${name} root`,
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-out',
    p('ca.pem'),
  );
  openssl('genpkey', ...keyAlg, '-out', p('tsa.key'));
  openssl(
    'req',
    '-new',
    '-key',
    p('tsa.key'),
    '-subj',
    `/O=scriba test/CN=${name} tsa`,
    '-out',
    p('tsa.csr'),
  );
  writeFileSync(
    join(dir, p('ext.cnf')),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    p('tsa.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    p('ext.cnf'),
    '-out',
    p('tsa.pem'),
  );
  writeFileSync(
    join(dir, p('tsa.cnf')),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `serial = ${p('serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${p('tsa.pem')}`,
      `certs = ${p('ca.pem')}`,
      `signer_key = ${p('tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1, millisecs:500, microsecs:100',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = yes',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, p('serial')), '01\n');
  writeFileSync(join(dir, p('data')), data);
  openssl('ts', '-query', '-data', p('data'), '-sha256', '-cert', '-out', p('req.tsq'));
  openssl('ts', '-reply', '-config', p('tsa.cnf'), '-queryfile', p('req.tsq'), '-out', p('resp.tsr'));
  const toDer = (pem: string) => {
    openssl('x509', '-in', pem, '-outform', 'DER', '-out', `${pem}.der`);
    return new Uint8Array(readFileSync(join(dir, `${pem}.der`)));
  };
  return {
    token: new Uint8Array(readFileSync(join(dir, p('resp.tsr')))),
    certs: [toDer(p('tsa.pem')), toDer(p('ca.pem'))],
  };
}

describe.skipIf(!haveOpenssl)(`a token made by openssl ts -reply (${opensslVersion.stdout?.trim()})`, () => {
  const data = utf8Encode('a bundle signature');
  it.each([
    ['EC P-256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['RSA 2048', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
  ])('%s: parses and verifies over its data, and not over other data', async (label, keyAlg) => {
    const { token, certs } = opensslToken(keyAlg, label.replace(/\W/g, ''), data);
    const t = parseTimestamp(token);
    expect(t.policy).toBe('1.2.3.4.1');
    expect(t.nonce).toBeDefined();
    expect(t.embedded.length).toBeGreaterThanOrEqual(1);
    const authority = {
      uri: 'https://tsa.test',
      validFor: {},
      chain: certs.map((c) => parseCertificate(c)),
    };
    const r = await verifyRfc3161Timestamp(token, data, [authority]);
    expect(Math.abs(r.time - Date.now())).toBeLessThan(10 * 60_000);
    await expect(verifyRfc3161Timestamp(token, utf8Encode('other'), [authority])).rejects.toMatchObject({
      code: 'TIMESTAMP_MESSAGE_IMPRINT_MISMATCH',
    });
  });
});

/**
 * X.509 for the verifier: certificate parsing (real Fulcio, CA and TSA certificates), Fulcio
 * identity extensions, chain validation to trusted authorities at signing times, embedded SCTs
 * (RFC 6962 precertificate reconstruction) and RFC 3161 timestamps.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate as NodeX509, sign as nodeSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBundle } from '../src/bundle/index.js';
import { encodeTlv } from '../src/crypto/der.js';
import { parsePublicKey } from '../src/crypto/index.js';
import { concatBytes, utf8Encode } from '../src/encoding.js';
import { prepareTrustMaterial } from '../src/verify/index.js';
import {
  formatIpAddress,
  fulcioIssuer,
  isIssuedBy,
  OID_FULCIO_ISSUER_V1,
  OID_FULCIO_ISSUER_V2,
  OID_SCT_LIST,
  orderChain,
  parseCertificate,
  parseSctList,
  parseTimestamp,
  precertificateTbs,
  subjectAltNames,
  verifyCertificateChain,
  verifyEmbeddedScts,
  verifyRfc3161Timestamp,
  verifyWithAlgorithm,
  type X509Certificate,
} from '../src/x509/index.js';
import { SIGNATURE_ALGORITHMS, signatureAlgorithmOf } from '../src/x509/oids.js';
import { CASES, PROD_ROOT } from './conformance-cases.js';

const ID =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const prod = prepareTrustMaterial(PROD_ROOT);
const bundle = (name: string) => parseBundle(readFileSync(join(CASES, name, 'bundle.sigstore.json'), 'utf8'));
const leafOf = (name: string) => {
  const vm = bundle(name).verificationMaterial;
  return parseCertificate(
    vm.kind === 'certificate' ? vm.certificate : (vm as { certificates: Uint8Array[] }).certificates[0]!,
  );
};
const leaf = leafOf('happy-path-v0.3');
const fulcio = prod.certificateAuthorities[1]!;
const intermediate = fulcio.chain[0]!;
const signedAt = Date.parse('2024-03-19T17:26:30Z');

describe('parseCertificate', () => {
  it('reads a Fulcio leaf', () => {
    expect(leaf).toMatchObject({
      isCA: false,
      keyUsageDigitalSignature: true,
      notBefore: Date.parse('2024-03-19T17:26:26Z'),
      notAfter: Date.parse('2024-03-19T17:36:26Z'),
      signatureAlgorithm: '1.2.840.10045.4.3.3',
    });
    expect(leaf.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.3']);
    expect(subjectAltNames(leaf)).toMatchObject({ uris: [ID], emails: [] });
    expect(fulcioIssuer(leaf)).toBe('https://token.actions.githubusercontent.com');
    expect(leaf.publicKey()).toMatchObject({ kind: 'ecdsa', curve: 'P-256' });
  });

  it('reads the CA chain of the trusted root', () => {
    expect(intermediate).toMatchObject({ isCA: true, keyUsageCertSign: true });
    expect(fulcio.chain.map((c) => c.isCA)).toEqual([true, true]);
  });

  it('reads the deprecated issuer extension when the new one is absent', () => {
    const only = (oid: string, value: Uint8Array): X509Certificate => ({
      ...leaf,
      extension: (o: string) => (o === oid ? { oid, critical: false, value } : undefined),
    });
    expect(fulcioIssuer(only(OID_FULCIO_ISSUER_V1, utf8Encode('https://accounts.google.com')))).toBe(
      'https://accounts.google.com',
    );
    // .1.8 is a DER UTF8String
    expect(fulcioIssuer(only(OID_FULCIO_ISSUER_V2, new Uint8Array([0x0c, 1, 0x78])))).toBe('x');
    expect(() => fulcioIssuer(only(OID_FULCIO_ISSUER_V2, new Uint8Array([0x04, 1, 0x78])))).toThrow(
      expect.objectContaining({ code: 'CERTIFICATE_MALFORMED' }),
    );
  });

  it.each([
    ['garbage', utf8Encode('not a certificate')],
    ['a truncated certificate', leaf.der.subarray(0, leaf.der.length - 10)],
    ['trailing bytes', new Uint8Array([...leaf.der, 0])],
    ['an empty input', new Uint8Array()],
  ])('refuses %s', (_d, der) => {
    expect(() => parseCertificate(der)).toThrow(expect.objectContaining({ code: 'CERTIFICATE_MALFORMED' }));
  });
});

describe('subjectAltNames', () => {
  /** A self-signed certificate made by the OpenSSL CLI with these SAN config lines. */
  function opensslCertificate(sans: string[]): Uint8Array {
    const dir = mkdtempSync(join(tmpdir(), `scriba-san-${randomUUID()}-`));
    try {
      const cnf = join(dir, 'san.cnf');
      writeFileSync(
        cnf,
        ['[req]', 'distinguished_name=dn', '[dn]', '[ext]', 'subjectAltName=@alt', '[alt]', ...sans, ''].join(
          '\n',
        ),
      );
      const r = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-outform',
        'DER',
        '-out',
        join(dir, 'c.der'),
        '-subj',
        '/CN=san-test',
        '-config',
        cnf,
        '-extensions',
        'ext',
      ]);
      expect(r.status, String(r.stderr)).toBe(0);
      return new Uint8Array(readFileSync(join(dir, 'c.der')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reads URIs with commas, e-mails, DNS names, Fulcio otherNames and IP addresses', () => {
    const der = opensslCertificate([
      'URI.1=https://ci.example/wf?refs=a,b',
      'email.1=Dev@Example.COM',
      'DNS.1=ci.example',
      'otherName.1=1.3.6.1.4.1.57264.1.7;UTF8:dev!oidc.example',
      'IP.1=192.0.2.7',
      'IP.2=2001:db8::abc:1',
      'IP.3=::',
      'IP.4=::ffff:1.2.3.4',
    ]);
    const s = subjectAltNames(parseCertificate(der));
    expect(s).toEqual({
      uris: ['https://ci.example/wf?refs=a,b'],
      emails: ['Dev@Example.COM'],
      dnsNames: ['ci.example'],
      otherNames: ['dev!oidc.example'],
      ipAddresses: ['192.0.2.7', '2001:DB8:0:0:0:0:ABC:1', '0:0:0:0:0:0:0:0', '0:0:0:0:0:FFFF:102:304'],
    });
    // IP addresses as node (OpenSSL) renders them, so search keys derived from either agree.
    const node = (new NodeX509(der).subjectAltName ?? '')
      .split(', ')
      .filter((x) => x.startsWith('IP Address:'))
      .map((x) => x.slice('IP Address:'.length));
    expect(s.ipAddresses).toEqual(node);
  });

  it.each([
    [[10, 0, 0, 1], '10.0.0.1'],
    [[0xfe, 0x80, ...new Array(13).fill(0), 1], 'FE80:0:0:0:0:0:0:1'],
    [[1, 2, 3], undefined],
    [new Array(15).fill(0), undefined],
  ])('formats iPAddress %j as %s', (bytes, text) => {
    expect(formatIpAddress(new Uint8Array(bytes))).toBe(text);
  });
});

describe('the signature algorithm table', () => {
  const data = utf8Encode('to be signed');
  const keys = {
    ecdsa: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ed25519: generateKeyPairSync('ed25519'),
  };
  const spkiOf = (k: keyof typeof keys) =>
    parsePublicKey(new Uint8Array(keys[k].publicKey.export({ type: 'spki', format: 'der' })));
  const signWith = (k: keyof typeof keys, hash: string | null) =>
    new Uint8Array(nodeSign(hash, data, keys[k].privateKey));

  // X.509 takes every row marked x509 with the key and digest of its row, and nothing else;
  // rsaEncryption names a key, not a certificate signature (RFC 5280 §4.1.1.2), so only CMS takes it.
  const rows = Object.entries(SIGNATURE_ALGORITHMS).map(([oid, row]) => [row.name, oid, row] as const);
  it('takes rsaEncryption in CMS only, every other algorithm in both', () => {
    const x509 = rows.filter(([, , r]) => r.x509).map(([n]) => n);
    const cms = rows.filter(([, , r]) => r.cms).map(([n]) => n);
    expect(cms).toEqual(rows.map(([n]) => n));
    expect(x509).toEqual(cms.filter((n) => n !== 'rsaEncryption'));
  });
  it.each(rows)('%s (%s): used where its row says', async (_n, oid, row) => {
    const hash = 'hash' in row ? row.hash : row.key === 'rsa' ? 'sha256' : null;
    const sig = signWith(row.key, hash);
    expect(await verifyWithAlgorithm(spkiOf(row.key), oid, data, sig)).toBe(row.x509);
    expect(signatureAlgorithmOf(oid, 'cms')).toEqual(row.cms ? row : undefined);
    const other = row.key === 'ecdsa' ? 'rsa' : 'ecdsa';
    expect(await verifyWithAlgorithm(spkiOf(other), oid, data, sig)).toBe(false);
  });

  it('refuses a digest other than the one its algorithm names', async () => {
    const sig = signWith('ecdsa', 'sha256');
    expect(await verifyWithAlgorithm(spkiOf('ecdsa'), '1.2.840.10045.4.3.2', data, sig)).toBe(true);
    expect(await verifyWithAlgorithm(spkiOf('ecdsa'), '1.2.840.10045.4.3.3', data, sig)).toBe(false);
  });
});

describe('orderChain', () => {
  it('orders a chain issuing-certificate first whatever the input order', () => {
    const [a, b] = fulcio.chain as [X509Certificate, X509Certificate];
    expect(orderChain([b, a])).toEqual([a, b]);
    expect(orderChain([a, b])).toEqual([a, b]);
  });
});

describe('verifyCertificateChain', () => {
  it('finds the issuing authority', async () => {
    expect(await isIssuedBy(leaf, intermediate)).toBe(true);
    const r = await verifyCertificateChain(leaf, prod.certificateAuthorities, [signedAt]);
    expect(r.authority.uri).toBe('https://fulcio.sigstore.dev');
    expect(r.path).toHaveLength(3);
  });

  it('refuses a time outside the leaf validity', async () => {
    await expect(
      verifyCertificateChain(leaf, prod.certificateAuthorities, [signedAt, leaf.notAfter + 1000]),
    ).rejects.toMatchObject({ code: 'CERTIFICATE_NOT_VALID_AT_TIME' });
  });

  it('refuses an authority whose window excludes the time', async () => {
    const narrowed = [{ ...fulcio, validFor: { window: { start: 0, end: signedAt - 1 } } }];
    await expect(verifyCertificateChain(leaf, narrowed, [signedAt])).rejects.toMatchObject({
      code: 'CERTIFICATE_CA_NOT_VALID_AT_TIME',
    });
  });

  it('refuses a leaf no trusted authority issued', async () => {
    await expect(
      verifyCertificateChain(leaf, [prod.certificateAuthorities[0]!], [signedAt]),
    ).rejects.toMatchObject({
      code: 'CERTIFICATE_CHAIN_UNTRUSTED',
    });
  });
});

describe('SCTs', () => {
  it('verifies the embedded SCT against the trusted CT log', async () => {
    const r = await verifyEmbeddedScts(leaf, intermediate, prod.ctlogs);
    expect(r).toHaveLength(1);
  });

  it('verifies an SCT that carries extensions (Static CT)', async () => {
    const tm = prepareTrustMaterial(
      readFileSync(join(CASES, 'bundle-with-sct-with-extensions', 'trusted_root.json'), 'utf8'),
    );
    const l = leafOf('bundle-with-sct-with-extensions');
    const scts = parseSctList(l.extension(OID_SCT_LIST)!.value);
    expect(scts.some((s) => s.extensions.length > 0)).toBe(true);
    const issuer = tm.certificateAuthorities
      .flatMap((c) => c.chain)
      .find((c) => c.subject.join() === l.issuer.join())!;
    expect(await verifyEmbeddedScts(l, issuer, tm.ctlogs)).toHaveLength(1);
  });

  it('removes the SCT list from the precertificate TBS', () => {
    const tbs = precertificateTbs(leaf);
    expect(tbs.length).toBeLessThan(leaf.tbs.length);
    // A certificate around the rebuilt TBS parses, and lacks exactly the SCT extension.
    const alg = new Uint8Array([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03]);
    const reparsed = parseCertificate(
      encodeTlv(0x30, concatBytes(tbs, alg, encodeTlv(0x03, new Uint8Array([0])))),
    );
    expect(reparsed.extension(OID_SCT_LIST)).toBeUndefined();
    expect(reparsed.extensions.length).toBe(leaf.extensions.length - 1);
  });

  it('does not count SCTs from logs outside their window, or with a wrong signature', async () => {
    const closed = prod.ctlogs.map((l) => ({ ...l, validFor: { window: { start: 0, end: 1 } } }));
    expect(await verifyEmbeddedScts(leaf, intermediate, closed)).toHaveLength(0);
    expect(await verifyEmbeddedScts(leaf, leaf, prod.ctlogs)).toHaveLength(0); // wrong issuer key hash
  });

  it('refuses a malformed SCT list', () => {
    expect(() => parseSctList(new Uint8Array([0x04, 0x02, 0x00, 0x05]))).toThrow(
      expect.objectContaining({ code: 'SCT_MALFORMED' }),
    );
    expect(() => parseSctList(new Uint8Array([0x02, 0x01, 0x00]))).toThrow(
      expect.objectContaining({ code: 'SCT_MALFORMED' }),
    );
  });
});

describe('RFC 3161 timestamps', () => {
  const b = bundle('rekor2-happy-path');
  const tm = prepareTrustMaterial(
    readFileSync(join(CASES, 'rekor2-happy-path', 'trusted_root.json'), 'utf8'),
  );
  const token = b.rfc3161Timestamps[0]!;
  const sig = (b.content as { signature: Uint8Array }).signature;

  it('parses the token', () => {
    const t = parseTimestamp(token);
    expect(t.genTime).toBe(Date.parse('2025-06-12T12:02:20Z'));
    expect(t.imprintAlgorithm).toBe('sha256');
  });

  it('verifies it over the bundle signature', async () => {
    const r = await verifyRfc3161Timestamp(token, sig, tm.timestampAuthorities);
    expect(r.time).toBe(Date.parse('2025-06-12T12:02:20Z'));
  });

  it('refuses it over other bytes', async () => {
    await expect(
      verifyRfc3161Timestamp(token, utf8Encode('other'), tm.timestampAuthorities),
    ).rejects.toMatchObject({
      code: 'TIMESTAMP_MESSAGE_IMPRINT_MISMATCH',
    });
  });

  it('refuses it without a trusted TSA', async () => {
    await expect(verifyRfc3161Timestamp(token, sig, [])).rejects.toMatchObject({
      code: 'TIMESTAMP_UNTRUSTED_TSA',
    });
  });

  it('refuses a TSA whose window ends before genTime', async () => {
    const tsas = tm.timestampAuthorities.map((t) => ({
      ...t,
      validFor: { window: { start: 0, end: Date.parse('2025-06-12T12:02:19Z') } },
    }));
    await expect(verifyRfc3161Timestamp(token, sig, tsas)).rejects.toMatchObject({
      code: 'TIMESTAMP_TSA_NOT_VALID_AT_TIME',
    });
  });

  it.each([
    ['garbage', utf8Encode('junk')],
    ['a truncated token', token.subarray(0, 100)],
    ['a rejection status', new Uint8Array([0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02])],
  ])('refuses %s', (_d, der) => {
    expect(() => parseTimestamp(der)).toThrow(expect.objectContaining({ code: 'TIMESTAMP_MALFORMED' }));
  });
});

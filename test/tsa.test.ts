/**
 * The timestamp authority over real HTTP against a real server and PostgreSQL, checked by an
 * independent implementation: OpenSSL's `openssl ts -query` makes the requests and
 * `openssl ts -verify` checks the answers against the chain the server publishes (certchain route
 * and trusted root). OpenSSL MUST be installed (.ci/run installs it); these tests fail, never skip,
 * without it. Hostile and malformed requests MUST get a 4xx and a rejection TimeStampResp, never a 5xx.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq, TimeStampResp } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Decode } from '../packages/sdk/src/encoding.js';
import { parseCertificate, verifyRfc3161Timestamp } from '../packages/sdk/src/x509/index.js';
import type { RunningServer } from '../packages/server/src/main.js';
import { createTestDatabase } from './helpers/postgres.js';
import { startTestServer, tempDir } from './helpers/server.js';

let server: RunningServer;
let dir: string;
let chainPem: string;
const cleanups: (() => Promise<void>)[] = [];

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  // Fail loudly when OpenSSL is missing: the independent check is the point of this file.
  expect(openssl(['version'])).toMatch(/^OpenSSL 3/);
  const db = await createTestDatabase('scriba_tsa');
  const d = await tempDir();
  dir = d.path;
  cleanups.push(db.drop, d.remove);
  server = await startTestServer({ DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir });
  cleanups.unshift(() => server.close());
  const r = await fetch(`${server.url}/api/v1/timestamp/certchain`);
  expect(r.status).toBe(200);
  chainPem = await r.text();
  const [leaf, root] = chainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
  writeFileSync(join(dir, 'leaf.pem'), leaf as string);
  writeFileSync(join(dir, 'root.pem'), root as string);
});
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

async function post(body: Uint8Array | string, type: string): Promise<{ status: number; der: Uint8Array }> {
  const r = await fetch(`${server.url}/api/v1/timestamp`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : Buffer.from(body),
  });
  return { status: r.status, der: new Uint8Array(await r.arrayBuffer()) };
}

function statusOf(der: Uint8Array): { status: number; failInfo: string[]; text: string } {
  const resp = AsnConvert.parse(der, TimeStampResp);
  return {
    status: resp.status.status,
    failInfo: resp.status.failInfo?.toJSON() ?? [],
    text: resp.status.statusString?.join(' ') ?? '',
  };
}

function query(name: string, args: string[]): string {
  const data = join(dir, `${name}.txt`);
  writeFileSync(data, `artifact ${name} ${Math.random()}`);
  const out = join(dir, `${name}.tsq`);
  openssl(['ts', '-query', '-data', data, ...args, '-out', out]);
  return out;
}

function verifyWithOpenssl(reply: string, against: string[]): string {
  return openssl([
    'ts',
    '-verify',
    '-in',
    reply,
    ...against,
    '-CAfile',
    join(dir, 'root.pem'),
    '-untrusted',
    join(dir, 'leaf.pem'),
  ]);
}

describe('POST /api/v1/timestamp', () => {
  describe('when OpenSSL asks (DER TimeStampReq)', () => {
    it.each([
      ['sha256', ['-sha256', '-cert']],
      ['sha384', ['-sha384']],
      ['sha512', ['-sha512', '-cert']],
      ['sha256-no-nonce', ['-sha256', '-no_nonce']],
      ['sha256-policy', ['-sha256', '-tspolicy', '1.3.6.1.4.1.57264.2']],
    ])('answers %s with a token openssl ts -verify accepts', async (name, args) => {
      const q = query(name, args);
      const r = await post(readFileSync(q), 'application/timestamp-query');
      expect(r.status).toBe(201);
      const reply = join(dir, `${name}.tsr`);
      writeFileSync(reply, r.der);
      // -queryfile: imprint, nonce and policy MUST match the request; the ESS signing certificate
      // attribute MUST name the signer.
      expect(verifyWithOpenssl(reply, ['-queryfile', q])).toContain('Verification: OK');
      const text = openssl(['ts', '-reply', '-in', reply, '-text']);
      expect(text).toContain('Status: Granted.');
      expect(text).toContain('Policy OID: 1.3.6.1.4.1.57264.2');
      expect(text).toMatch(/Accuracy: 0x01 seconds/);
      if (name.includes('no-nonce')) expect(text).toContain('Nonce: unspecified');
      else expect(text).toMatch(/Nonce: 0x[0-9A-F]+/);
    });

    it('embeds the signing certificate only when certReq is set', async () => {
      const withCert = await post(
        readFileSync(query('c1', ['-sha256', '-cert'])),
        'application/timestamp-query',
      );
      const without = await post(readFileSync(query('c2', ['-sha256'])), 'application/timestamp-query');
      const leafDer = parseCertificate(
        base64Decode(
          (chainPem.split('-----END')[0] as string).replace(/-----BEGIN CERTIFICATE-----|\s/g, ''),
        ),
      ).der;
      const has = (b: Uint8Array) => Buffer.from(b).includes(Buffer.from(leafDer));
      expect(has(withCert.der)).toBe(true);
      expect(has(without.der)).toBe(false);
      // Without the embedded certificate OpenSSL needs the published leaf (-untrusted), as sigstore
      // verifiers take it from the trusted root.
      const reply = join(dir, 'c2.tsr');
      writeFileSync(reply, without.der);
      expect(verifyWithOpenssl(reply, ['-queryfile', join(dir, 'c2.tsq')])).toContain('Verification: OK');
    });

    it('a token over other data fails openssl ts -verify', async () => {
      const r = await post(readFileSync(query('x1', ['-sha256'])), 'application/timestamp-query');
      const reply = join(dir, 'x1.tsr');
      writeFileSync(reply, r.der);
      expect(() => verifyWithOpenssl(reply, ['-queryfile', query('x2', ['-sha256'])])).toThrow(
        /message imprint mismatch/,
      );
    });

    it('gives every token its own serial number', async () => {
      const q = readFileSync(query('serial', ['-sha256']));
      const serials = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const r = await post(q, 'application/timestamp-query');
        const reply = join(dir, 'serial.tsr');
        writeFileSync(reply, r.der);
        const m = /Serial number: (0x[0-9A-F]+)/.exec(openssl(['ts', '-reply', '-in', reply, '-text']));
        serials.add(m?.[1] as string);
      }
      expect(serials.size).toBe(20);
    });
  });

  describe('when a sigstore client asks (JSON)', () => {
    it('answers a token over artifactHash that OpenSSL and the SDK verify', async () => {
      const signature = randomBytes(71);
      const digest = createHash('sha256').update(signature).digest();
      const r = await post(
        JSON.stringify({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha256', nonce: 1234567 }),
        'application/json',
      );
      expect(r.status).toBe(201);
      const reply = join(dir, 'json.tsr');
      writeFileSync(reply, r.der);
      expect(verifyWithOpenssl(reply, ['-digest', digest.toString('hex')])).toContain('Verification: OK');
      expect(openssl(['ts', '-reply', '-in', reply, '-text'])).toContain('Nonce: 0x12D687');
      const tr = (await (await fetch(`${server.url}/api/v1/log/trusted-root`)).json()) as {
        timestampAuthorities: { certChain: { certificates: { rawBytes: string }[] }; uri: string }[];
      };
      const tsa = tr.timestampAuthorities[0]!;
      const authority = {
        uri: tsa.uri,
        chain: tsa.certChain.certificates.map((c) => parseCertificate(base64Decode(c.rawBytes))),
        validFor: { start: 0 },
      };
      const v = await verifyRfc3161Timestamp(r.der, signature, [authority as never]);
      expect(Math.abs(v.time - Date.now())).toBeLessThan(120_000);
      await expect(
        verifyRfc3161Timestamp(r.der, randomBytes(71), [authority as never]),
      ).rejects.toHaveProperty('code', 'TIMESTAMP_MESSAGE_IMPRINT_MISMATCH');
    });
  });

  describe('when the request is malformed or hostile', () => {
    const der = (req: TimeStampReq) => new Uint8Array(AsnConvert.serialize(req));
    const imprint = (oid: string, len: number) =>
      new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: oid }),
        hashedMessage: new OctetString(new Uint8Array(len)),
      });
    const SHA256 = '2.16.840.1.101.3.4.2.1';
    const good = der(new TimeStampReq({ version: 1, messageImprint: imprint(SHA256, 32) }));

    it.each<[string, Uint8Array | string, string, string]>([
      ['random bytes', randomBytes(64), 'application/timestamp-query', 'badDataFormat'],
      ['an empty body', new Uint8Array(0), 'application/timestamp-query', 'badDataFormat'],
      ['truncated DER', good.subarray(0, good.length - 3), 'application/timestamp-query', 'badDataFormat'],
      ['a trailing byte', Uint8Array.of(...good, 0), 'application/timestamp-query', 'badDataFormat'],
      [
        'an encoded DEFAULT certReq FALSE',
        Uint8Array.of(0x30, (good[1] as number) + 3, ...good.subarray(2), 0x01, 0x01, 0x00),
        'application/timestamp-query',
        'badDataFormat',
      ],
      [
        'BER long-form length',
        Uint8Array.of(0x30, 0x81, (good[1] as number) & 0xff, ...good.subarray(2)),
        'application/timestamp-query',
        'badDataFormat',
      ],
      [
        'SHA-1 (weak)',
        der(new TimeStampReq({ version: 1, messageImprint: imprint('1.3.14.3.2.26', 20) })),
        'application/timestamp-query',
        'badAlg',
      ],
      [
        'MD5',
        der(new TimeStampReq({ version: 1, messageImprint: imprint('1.2.840.113549.2.5', 16) })),
        'application/timestamp-query',
        'badAlg',
      ],
      [
        'a digest of the wrong length',
        der(new TimeStampReq({ version: 1, messageImprint: imprint(SHA256, 31) })),
        'application/timestamp-query',
        'badDataFormat',
      ],
      [
        'a huge nonce',
        der(
          new TimeStampReq({
            version: 1,
            messageImprint: imprint(SHA256, 32),
            nonce: Uint8Array.of(0x01, ...randomBytes(1000)).buffer,
          }),
        ),
        'application/timestamp-query',
        'badDataFormat',
      ],
      [
        'version 2',
        // Only version 1 exists (RFC 3161 §2.4.1): the type does not allow 2, the wire does.
        der(new TimeStampReq({ version: 2 as TimeStampReq['version'], messageImprint: imprint(SHA256, 32) })),
        'application/timestamp-query',
        'badRequest',
      ],
      [
        'another policy',
        der(new TimeStampReq({ version: 1, messageImprint: imprint(SHA256, 32), reqPolicy: '1.2.3.4' })),
        'application/timestamp-query',
        'unacceptedPolicy',
      ],
      ['JSON that is not JSON', '{"artifactHash":', 'application/json', 'badDataFormat'],
      ['a JSON array', '[]', 'application/json', 'badDataFormat'],
      [
        'JSON with md5',
        JSON.stringify({ artifactHash: 'AAAAAAAAAAAAAAAAAAAAAA==', hashAlgorithm: 'md5' }),
        'application/json',
        'badAlg',
      ],
      [
        'JSON with a short digest',
        JSON.stringify({ artifactHash: Buffer.alloc(20).toString('base64'), hashAlgorithm: 'sha256' }),
        'application/json',
        'badDataFormat',
      ],
      [
        'JSON with bad base64',
        JSON.stringify({ artifactHash: '!!!', hashAlgorithm: 'sha256' }),
        'application/json',
        'badDataFormat',
      ],
      [
        'JSON with a huge nonce',
        JSON.stringify({
          artifactHash: Buffer.alloc(32).toString('base64'),
          hashAlgorithm: 'sha256',
          nonce: '9'.repeat(80),
        }),
        'application/json',
        'badDataFormat',
      ],
      [
        'JSON with a negative nonce',
        JSON.stringify({
          artifactHash: Buffer.alloc(32).toString('base64'),
          hashAlgorithm: 'sha256',
          nonce: -1,
        }),
        'application/json',
        'badRequest',
      ],
    ])('refuses %s with 400 and a rejection TimeStampResp (%s)', async (_name, body, type, failInfo) => {
      const r = await post(body, type);
      expect(r.status).toBe(400);
      const s = statusOf(r.der);
      expect(s.status).toBe(2);
      expect(s.failInfo).toEqual([failInfo]);
      expect(s.text.length).toBeGreaterThan(0);
    });

    it('refuses other content types with 415', async () => {
      const r = await post(good, 'text/plain');
      expect(r.status).toBe(415);
      expect(statusOf(r.der).status).toBe(2);
    });

    it('refuses an oversized body with 413, not a 5xx', async () => {
      const r = await post(randomBytes(100_000), 'application/timestamp-query');
      expect(r.status).toBe(413);
    });

    it('OpenSSL reads a rejection as a rejection', async () => {
      const q = query('sha1', ['-sha1']);
      const r = await post(readFileSync(q), 'application/timestamp-query');
      expect(r.status).toBe(400);
      const reply = join(dir, 'sha1.tsr');
      writeFileSync(reply, r.der);
      const text = openssl(['ts', '-reply', '-in', reply, '-text']);
      expect(text).toContain('Status: Rejected.');
      expect(text).toContain('unrecognized or unsupported algorithm identifier');
    });
  });
});

describe('the TSA key, chain and published trust', () => {
  it('keeps the key in the data directory with mode 0600', () => {
    expect(statSync(join(dir, 'tsa-key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'tsa-chain.pem'), 'utf8')).toBe(chainPem);
  });

  it('the chain is a root and a leaf with a critical timeStamping-only extended key usage', () => {
    const text = openssl(['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text']);
    expect(text).toMatch(/X509v3 Extended Key Usage: critical\s+Time Stamping\s/);
    expect(
      openssl([
        'verify',
        '-CAfile',
        join(dir, 'root.pem'),
        '-purpose',
        'timestampsign',
        join(dir, 'leaf.pem'),
      ]),
    ).toContain('OK');
  });

  it('the trusted root lists the TSA with the same chain, its URI and validity', async () => {
    const tr = (await (await fetch(`${server.url}/api/v1/log/trusted-root`)).json()) as {
      timestampAuthorities: {
        subject: { organization: string; commonName: string };
        uri: string;
        certChain: { certificates: { rawBytes: string }[] };
        validFor: { start: string; end?: string };
      }[];
    };
    expect(tr.timestampAuthorities).toHaveLength(1);
    const tsa = tr.timestampAuthorities[0]!;
    expect(tsa.uri).toBe(`${server.url}/api/v1/timestamp`);
    expect(tsa.subject.commonName).toContain('timestamp authority');
    const pem = tsa.certChain.certificates
      .map(
        (c) =>
          `-----BEGIN CERTIFICATE-----\n${c.rawBytes.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`,
      )
      .join('');
    expect(pem).toBe(chainPem);
    expect(Date.parse(tsa.validFor.start)).toBeLessThanOrEqual(Date.now());
  });

  it('the signing config names this log as Rekor v1 and v2 and the TSA', async () => {
    const sc = (await (await fetch(`${server.url}/api/v1/log/signing-config`)).json()) as {
      mediaType: string;
      rekorTlogUrls: { url: string; majorApiVersion: number }[];
      tsaUrls: { url: string; majorApiVersion: number }[];
      rekorTlogConfig: { selector: string };
      tsaConfig: { selector: string };
    };
    expect(sc.mediaType).toBe('application/vnd.dev.sigstore.signingconfig.v0.2+json');
    expect(sc.rekorTlogUrls.map((u) => [u.url, u.majorApiVersion])).toEqual([
      [server.url, 2],
      [server.url, 1],
    ]);
    expect(sc.tsaUrls).toEqual([
      expect.objectContaining({ url: `${server.url}/api/v1/timestamp`, majorApiVersion: 1 }),
    ]);
    expect(sc.rekorTlogConfig.selector).toBe('ANY');
    expect(sc.tsaConfig.selector).toBe('ANY');
  });
});

describe('SCRIBA_TSA=0', () => {
  it('serves no timestamp routes and lists no TSA', async () => {
    const db = await createTestDatabase('scriba_tsa_off');
    const d = await tempDir();
    const off = await startTestServer({ DATABASE_URL: db.url, SCRIBA_DATA_DIR: d.path, SCRIBA_TSA: '0' });
    try {
      expect((await fetch(`${off.url}/api/v1/timestamp/certchain`)).status).toBe(404);
      const tr = (await (await fetch(`${off.url}/api/v1/log/trusted-root`)).json()) as {
        timestampAuthorities: unknown[];
      };
      expect(tr.timestampAuthorities).toEqual([]);
      const sc = (await (await fetch(`${off.url}/api/v1/log/signing-config`)).json()) as {
        tsaUrls: unknown[];
      };
      expect(sc.tsaUrls).toEqual([]);
      expect(() => statSync(join(d.path, 'tsa-key.pem'))).toThrow(/ENOENT/);
    } finally {
      await off.close();
      await db.drop();
      await d.remove();
    }
  });
});

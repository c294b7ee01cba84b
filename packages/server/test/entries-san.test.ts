/**
 * Certificate SANs on the write path are read with the SDK's X.509 parser (issue 10): a URI SAN
 * holding a comma and a Fulcio otherName (1.3.6.1.4.1.57264.1.7) are indexed as themselves, not as
 * node's `subjectAltName` text renders them (a quoted escaped string; `<unsupported>`); IP address
 * SANs keep node's rendering, so ordinary certificates keep their search keys. Logged over HTTP on
 * PostgreSQL and found again through POST /api/v1/index/retrieve.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLog, type TestLog } from '../../../test/helpers/server.js';
import { EntryValidationError, validateProposedEntry } from '../src/entries/index.js';
import type { RunningServer } from '../src/main.js';
import { hashedRekord, makeCertificate, pemOf, testKey } from './entries.fixtures.js';

const FULCIO_USERNAME = '1.3.6.1.4.1.57264.1.7';
const EMAIL = 'Dev@Example.COM';
const COMMA_URI = 'https://ci.example/wf?refs=a,b, c';
const OTHER_NAME = 'dev!oidc.example';
const IPV4 = new Uint8Array([192, 0, 2, 7]);
const IPV6 = new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0xbc, 0, 0x01]);

const key = testKey('P-256');
const cert = makeCertificate({
  subject: key,
  emails: [EMAIL],
  uris: [COMMA_URI],
  ips: [IPV4, IPV6],
  otherNames: [[FULCIO_USERNAME, OTHER_NAME]],
});
const entry = () => hashedRekord({ key, pem: pemOf(cert, 'CERTIFICATE') });

describe('certificate SAN search keys', () => {
  it('index every SAN as itself', async () => {
    const r = await validateProposedEntry(entry());
    expect(r.searchKeys.emails).toEqual(['dev@example.com']);
    expect(r.searchKeys.subjects).toEqual([
      'dev@example.com',
      '192.0.2.7',
      '2001:DB8:0:0:0:0:ABC:1',
      COMMA_URI,
      OTHER_NAME,
    ]);
  });

  it('render IP addresses as node does (unchanged keys for ordinary certificates)', async () => {
    const plain = makeCertificate({ subject: key, ips: [IPV4, IPV6] });
    const node = new X509Certificate(plain).subjectAltName
      ?.split(', ')
      .map((s) => s.replace(/^IP Address:/, ''));
    const r = await validateProposedEntry(hashedRekord({ key, pem: pemOf(plain, 'CERTIFICATE') }));
    expect(r.searchKeys.subjects).toEqual(node);
  });

  it('refuse a certificate the SDK parser refuses (an iPAddress of 5 bytes) as a coded 400, not a crash', async () => {
    const bad = makeCertificate({ subject: key, ips: [new Uint8Array([10, 0, 0, 1, 0])] });
    const p = validateProposedEntry(hashedRekord({ key, pem: pemOf(bad, 'CERTIFICATE') }));
    await expect(p).rejects.toBeInstanceOf(EntryValidationError);
    await expect(p).rejects.toMatchObject({
      message: expect.stringContaining('not a valid X.509 certificate'),
    });
  });
});

describe('a certificate with a comma URI and a Fulcio otherName, logged over HTTP', () => {
  let server: RunningServer;
  let log: TestLog | undefined;
  let uuid: string;

  beforeAll(async () => {
    log = await startTestLog();
    server = log.server;
    const r = await fetch(`${server.url}/api/v1/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(entry()),
    });
    expect(r.status).toBe(201);
    uuid = Object.keys((await r.json()) as Record<string, unknown>)[0] as string;
  });
  afterAll(async () => {
    await log?.stop();
  });

  const search = async (q: unknown): Promise<string[]> => {
    const r = await fetch(`${server.url}/api/v1/index/retrieve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(q),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as string[];
  };

  it.each([
    ['email', { email: EMAIL }],
    ['the e-mail as subject', { subject: 'dev@example.com' }],
    ['the comma URI as subject', { subject: COMMA_URI }],
    ['the Fulcio otherName as subject', { subject: OTHER_NAME }],
    ['the IPv6 address as subject', { subject: '2001:db8:0:0:0:0:abc:1' }],
  ])('is found by %s', async (_d, q) => {
    expect(await search(q)).toEqual([uuid]);
  });

  it.each([
    ["node's rendering of the comma URI", { subject: JSON.stringify(COMMA_URI) }],
    ["node's rendering of the otherName", { subject: '<unsupported>' }],
    ['a part of the comma URI', { subject: 'https://ci.example/wf?refs=a' }],
  ])('is not found by %s', async (_d, q) => {
    expect(await search(q)).toEqual([]);
  });
});

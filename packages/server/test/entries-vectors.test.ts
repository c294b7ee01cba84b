/**
 * Canonical bodies against real Rekor: for every Sigstore bundle in ../../../test/vectors whose tlog
 * entry is hashedrekord 0.0.1, dsse 0.0.1 or intoto 0.0.2, rebuild the proposed entry the signing
 * client sent (from the bundle's signature, verification material and digest / DSSE envelope, the
 * way sigstore-js builds it) and check that validateProposedEntry produces the logged
 * canonicalizedBody byte for byte.
 *
 * Excluded, with reason: the sigstore-conformance intoto-* bundles come from a mock log that kept
 * the envelope payload in the body (current Rekor drops it: sigstore-js fixtures from production
 * Rekor have no payload); bundles with only a public-key hint and no key file; `_fail` cases whose
 * logged entry was deliberately altered (those are checked to be rejected or to differ).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateProposedEntry } from '../src/entries/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const VECTORS = join(here, '..', '..', '..', 'test', 'vectors');

type Bundle = {
  verificationMaterial: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    publicKey?: { hint: string };
    tlogEntries: { kindVersion: { kind: string; version: string }; canonicalizedBody: string }[];
  };
  messageSignature?: { messageDigest: { algorithm: string; digest: string }; signature: string };
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
};

type Vector = { name: string; file: string; bundle: Bundle; keyFile?: string; tampered: boolean };

function pem(der: Buffer, label: string): string {
  return `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)
    ?.join('\n')}\n-----END ${label}-----\n`;
}

function parseOrNull(text: string): Bundle | null {
  try {
    return JSON.parse(text) as Bundle;
  } catch {
    return null;
  }
}

function collect(): Vector[] {
  const out: Vector[] = [];
  const conf = join(VECTORS, 'sigstore-conformance', 'test', 'assets', 'bundle-verify');
  for (const dir of existsSync(conf) ? readdirSync(conf) : []) {
    const file = join(conf, dir, 'bundle.sigstore.json');
    if (!existsSync(file)) continue;
    const keyFile = join(conf, dir, 'key.pub');
    const bundle = parseOrNull(readFileSync(file, 'utf8'));
    if (!bundle) continue; // bundle-malformed-json_fail
    out.push({
      name: `conformance/${dir}`,
      file,
      bundle,
      keyFile: existsSync(keyFile) ? keyFile : undefined,
      tampered: dir.endsWith('_fail'),
    });
  }
  const js = join(VECTORS, 'sigstore-js');
  for (const f of existsSync(js) ? readdirSync(js) : []) {
    if (f.startsWith('verify-fixture.V') && f.endsWith('.json')) {
      out.push({
        name: `sigstore-js/${f}`,
        file: join(js, f),
        bundle: JSON.parse(readFileSync(join(js, f), 'utf8')),
        tampered: false,
      });
    }
  }
  const tb = join(js, 'tests-bundles');
  for (const f of existsSync(tb) ? readdirSync(tb) : []) {
    if (f.endsWith('.sigstore'))
      out.push({
        name: `sigstore-js/tests-bundles/${f}`,
        file: join(tb, f),
        bundle: JSON.parse(readFileSync(join(tb, f), 'utf8')),
        tampered: false,
      });
  }
  return out;
}

/** The verification material as the client sent it to Rekor (PEM), or undefined. */
function material(v: Vector): string | undefined {
  const vm = v.bundle.verificationMaterial;
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes;
  if (raw) return pem(Buffer.from(raw, 'base64'), 'CERTIFICATE');
  if (v.keyFile) return readFileSync(v.keyFile, 'utf8');
  return undefined;
}

function derOf(pemText: string): Buffer {
  return Buffer.from(pemText.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** The proposed entry sigstore-js's RekorWitness builds for this bundle (tlog/entry.ts). */
function proposedEntry(v: Vector, kind: string, pemText: string, loggedBody: Buffer): unknown {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  if (kind === 'hashedrekord') {
    const ms = v.bundle.messageSignature!;
    const alg = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' }[ms.messageDigest.algorithm];
    return {
      apiVersion: '0.0.1',
      kind,
      spec: {
        data: {
          hash: { algorithm: alg, value: Buffer.from(ms.messageDigest.digest, 'base64').toString('hex') },
        },
        signature: { content: ms.signature, publicKey: { content: b64(pemText) } },
      },
    };
  }
  const env = v.bundle.dsseEnvelope!;
  if (kind === 'dsse') {
    return {
      apiVersion: '0.0.1',
      kind,
      spec: { proposedContent: { envelope: JSON.stringify(env), verifiers: [b64(pemText)] } },
    };
  }
  // intoto 0.0.2 stores two client-made values verbatim that cannot be derived from the bundle:
  // the envelope hash (its recipe changed across sigstore-js versions) and the PEM text of the
  // certificate (with or without a final newline). Take both from the logged body, after checking
  // that the PEM holds the bundle's own certificate.
  const sig0 = env.signatures[0]!;
  const logged = JSON.parse(loggedBody.toString('utf8')).spec.content;
  const clientPem = Buffer.from(logged.envelope.signatures[0].publicKey, 'base64').toString('utf8');
  expect(derOf(clientPem)).toEqual(derOf(pemText));
  return {
    apiVersion: '0.0.2',
    kind,
    spec: {
      content: {
        envelope: {
          payloadType: env.payloadType,
          payload: b64(env.payload),
          signatures: [
            { sig: b64(sig0.sig), publicKey: b64(clientPem), ...(sig0.keyid ? { keyid: sig0.keyid } : {}) },
          ],
        },
        hash: logged.hash,
        payloadHash: {
          algorithm: 'sha256',
          value: createHash('sha256').update(Buffer.from(env.payload, 'base64')).digest('hex'),
        },
      },
    },
  };
}

const SUPPORTED = new Set(['hashedrekord/0.0.1', 'dsse/0.0.1', 'intoto/0.0.2']);

const table = collect().flatMap((v) =>
  v.bundle.verificationMaterial.tlogEntries
    .filter((e) => SUPPORTED.has(`${e.kindVersion.kind}/${e.kindVersion.version}`))
    .map((e) => ({
      v,
      kind: e.kindVersion.kind,
      body: Buffer.from(e.canonicalizedBody, 'base64'),
      pem: material(v),
    })),
);
const mockIntoto = (t: (typeof table)[number]) => t.kind === 'intoto' && t.v.name.startsWith('conformance/');
const happy = table.filter((t) => !t.v.tampered && t.pem !== undefined && !mockIntoto(t));
// _fail cases whose logged entry does not match the bundle's signature, key or digest.
const ENTRY_MISMATCH = /mismatch|wrong-hashedrekord|incorrect-public-key|dsse-invalid-sig/;
const tampered = table.filter(
  (t) => t.v.tampered && t.pem !== undefined && !mockIntoto(t) && ENTRY_MISMATCH.test(t.v.name),
);

describe('validateProposedEntry', () => {
  describe('when given the entry a client sent for a real Rekor log entry', () => {
    it('covers every supported kind', () => {
      expect(new Set(happy.map((t) => t.kind))).toEqual(new Set(['hashedrekord', 'dsse', 'intoto']));
      expect(happy.length).toBeGreaterThanOrEqual(15);
    });

    it.each(happy.map((t) => [t.v.name, t] as const))(
      'reproduces the canonical body of %s byte for byte',
      async (_n, t) => {
        const r = await validateProposedEntry(proposedEntry(t.v, t.kind, t.pem as string, t.body));
        expect(Buffer.from(r.body).toString('utf8')).toBe(t.body.toString('utf8'));
      },
    );
  });

  describe('when the logged entry does not match the bundle (conformance _fail cases)', () => {
    it('has such cases', () => {
      expect(tampered.length).toBeGreaterThanOrEqual(5);
    });

    it.each(tampered.map((t) => [t.v.name, t] as const))(
      '%s is rejected or yields another body',
      async (_n, t) => {
        let body: string;
        try {
          body = Buffer.from(
            (await validateProposedEntry(proposedEntry(t.v, t.kind, t.pem as string, t.body))).body,
          ).toString('utf8');
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/^(SIGNATURE_INVALID|INVALID_ENTRY)$/);
          return;
        }
        expect(body).not.toBe(t.body.toString('utf8'));
      },
    );
  });
});

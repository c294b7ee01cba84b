/**
 * `scriba trusted-root --url URL [--out FILE]`: fetches the Sigstore TrustedRoot JSON a Scriba log
 * publishes (GET /api/v1/log/trusted-root), checks it, and prints or writes it, for any Sigstore
 * verifier to trust this log and its timestamp authority. Checked with the SDK's parsers:
 *  - it parses as a TrustedRoot (protobuf-specs trustroot v1);
 *  - its log's key and log ID match the log's public key (GET /api/v1/log/publicKey);
 *  - each timestamp authority's chain parses, its first certificate has the timeStamping extended
 *    key usage, each certificate is signed by the next, and a TSA served by this URL publishes the
 *    same chain (GET /api/v1/timestamp/certchain).
 *
 * Exit codes: 0 ok; 1 the trusted root fails a check; 2 usage error, the log cannot be reached, or
 * FILE cannot be written. Every failure is one line on stderr.
 */
import { parseTrustedRoot, type TrustedRoot } from '@scriba/sdk/bundle';
import { digest, parsePublicKey, pemDecodeAll } from '@scriba/sdk/crypto';
import { base64Encode, bytesEqual } from '@scriba/sdk/encoding';
import { isIssuedBy, OID_EKU_TIME_STAMPING, parseCertificate } from '@scriba/sdk/x509';
import { CheckFailed, fetchJsonOrText, runFetchConfig } from './fetch-config.js';

const USAGE = 'usage: scriba trusted-root --url URL [--out FILE]\n';
const NAME = 'scriba trusted-root';

async function checkTsa(root: TrustedRoot, base: string): Promise<void> {
  for (const [i, tsa] of root.timestampAuthorities.entries()) {
    const what = `timestampAuthorities[${i}]`;
    let certs: ReturnType<typeof parseCertificate>[];
    try {
      certs = tsa.certChain.map((der) => parseCertificate(der));
    } catch (e) {
      throw new CheckFailed(`${what}: a certificate does not parse: ${(e as Error).message}`);
    }
    if (!certs[0]?.extKeyUsage.includes(OID_EKU_TIME_STAMPING)) {
      throw new CheckFailed(`${what}: the signing certificate lacks the timeStamping extended key usage`);
    }
    for (let k = 0; k + 1 < certs.length; k++) {
      if (!(await isIssuedBy(certs[k]!, certs[k + 1]!))) {
        throw new CheckFailed(`${what}: certificate ${k} is not signed by the next`);
      }
    }
    if (!tsa.uri.startsWith(`${base}/`)) continue;
    const pem = await fetchJsonOrText(`${base}/api/v1/timestamp/certchain`, 'text');
    const served = pemDecodeAll(pem as string, 'CERTIFICATE').map((b) => b.der);
    if (served.length !== certs.length || !served.every((der, k) => bytesEqual(der, tsa.certChain[k]!))) {
      throw new CheckFailed(
        `${what}: the chain differs from the one the TSA serves at ${base}/api/v1/timestamp/certchain`,
      );
    }
  }
}

export function run(argv: string[]): Promise<number> {
  return runFetchConfig(
    argv,
    NAME,
    USAGE,
    async (base) => {
      const [json, pem] = (await Promise.all([
        fetchJsonOrText(`${base}/api/v1/log/trusted-root`, 'json'),
        fetchJsonOrText(`${base}/api/v1/log/publicKey`, 'text'),
      ])) as [unknown, string];
      return { json, pem };
    },
    async ({ json, pem }, base) => {
      let root: TrustedRoot;
      try {
        root = parseTrustedRoot(json);
      } catch (e) {
        throw new CheckFailed(`not a Sigstore trusted root: ${(e as Error).message}`);
      }
      let spki: Uint8Array;
      try {
        spki = parsePublicKey(pem).spki;
      } catch (e) {
        throw new CheckFailed(`the log's public key does not parse: ${(e as Error).message}`);
      }
      const tlog = root.tlogs[0];
      if (
        !tlog ||
        !bytesEqual(tlog.publicKey, spki) ||
        base64Encode(tlog.logId) !== base64Encode(digest('sha256', spki))
      ) {
        throw new CheckFailed('the trusted root does not match the log public key');
      }
      await checkTsa(root, base);
    },
  );
}

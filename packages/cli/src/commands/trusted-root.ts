/**
 * `scriba trusted-root --url URL [--out FILE]`: fetches the Sigstore TrustedRoot JSON a Scriba log
 * publishes (GET /api/v1/log/trusted-root), checks it, and prints or writes it, for any Sigstore
 * verifier to trust this log and its timestamp authority. Checked with the SDK's parsers:
 *  - it parses as a TrustedRoot (protobuf-specs trustroot v1);
 *  - every tlog's log ID is SHA-256 of its key (Rekor's logID);
 *  - the log's public key (GET /api/v1/log/publicKey: the active shard's) is one of them, trusted
 *    now (its validity window open or not yet ended);
 *  - the key of every frozen shard the log publishes (GET /api/v1/log `inactiveShards`, then
 *    GET /api/v1/log/publicKey?treeID=...) is one of them too, so bundles of any shard verify;
 *  - each timestamp authority's chain parses, its first certificate has the timeStamping extended
 *    key usage, each certificate is signed by the next, and a TSA served by this URL publishes the
 *    same chain (GET /api/v1/timestamp/certchain).
 *
 * Exit codes: 0 ok; 1 the trusted root fails a check; 2 usage error, the log cannot be reached, or
 * FILE cannot be written. Every failure is one line on stderr.
 */
import { parseTrustedRoot, type TrustedRoot, windowContains } from '@scriba/sdk/bundle';
import { digest, parsePublicKey, pemDecodeAll } from '@scriba/sdk/crypto';
import { base64Encode, bytesEqual } from '@scriba/sdk/encoding';
import { isIssuedBy, OID_EKU_TIME_STAMPING, parseCertificate } from '@scriba/sdk/x509';
import { parseShardList } from '../shard-list.js';
import { CheckFailed, fetchJsonOrText, runFetchConfig } from './fetch-config.js';

const USAGE = 'usage: scriba trusted-root --url URL [--out FILE]\n';
/** The code of a trusted root that fails a check. */
const CHECK_CODE = 'TRUSTED_ROOT_INVALID';

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
    CHECK_CODE,
    USAGE,
    async (base) => {
      const [json, pem, info] = (await Promise.all([
        fetchJsonOrText(`${base}/api/v1/log/trusted-root`, 'json'),
        fetchJsonOrText(`${base}/api/v1/log/publicKey`, 'text'),
        fetchJsonOrText(`${base}/api/v1/log`, 'json'),
      ])) as [unknown, string, unknown];
      const list = parseShardList(info, `${base}/api/v1/log`);
      const shardPems = await Promise.all(
        list.shards
          .filter((s) => !s.active)
          .map(async (s) => ({
            treeId: s.treeId,
            pem: (await fetchJsonOrText(`${base}/api/v1/log/publicKey?treeID=${s.treeId}`, 'text')) as string,
          })),
      );
      return { json, pem, shardPems };
    },
    async ({ json, pem, shardPems }, base) => {
      let root: TrustedRoot;
      try {
        root = parseTrustedRoot(json);
      } catch (e) {
        throw new CheckFailed(`not a Sigstore trusted root: ${(e as Error).message}`);
      }
      for (const [i, t] of root.tlogs.entries()) {
        if (base64Encode(t.logId) !== base64Encode(digest('sha256', t.publicKey))) {
          throw new CheckFailed(`tlogs[${i}]: the log ID does not match the log public key it names`);
        }
      }
      const keyOf = (text: string, what: string) => {
        try {
          return parsePublicKey(text).spki;
        } catch (e) {
          throw new CheckFailed(`${what} does not parse: ${(e as Error).message}`);
        }
      };
      const tlog = root.tlogs.find((t) => bytesEqual(t.publicKey, keyOf(pem, "the log's public key")));
      if (!tlog) throw new CheckFailed('the trusted root does not match the log public key');
      let now: boolean;
      try {
        now = windowContains(tlog.validFor, Date.now());
      } catch (e) {
        throw new CheckFailed((e as Error).message);
      }
      if (!now) throw new CheckFailed("the trusted root's window for the log public key is not open now");
      for (const s of shardPems) {
        const spki = keyOf(s.pem, `the public key of shard ${s.treeId}`);
        if (!root.tlogs.some((t) => bytesEqual(t.publicKey, spki))) {
          throw new CheckFailed(`the key of frozen shard ${s.treeId} is not in the trusted root`);
        }
      }
      await checkTsa(root, base);
    },
  );
}

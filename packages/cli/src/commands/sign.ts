/**
 * `scriba sign`: signs an artifact (or its digest) with a PEM private key, logs a hashedrekord
 * entry (Rekor v1 0.0.1 by default, v2 0.0.2 with --rekor-api 2), checks what the log returned and
 * writes a Sigstore bundle v0.3 (see ../publish.ts). The equivalent of
 * `cosign sign-blob --key KEY --bundle OUT FILE`; verify it with `scriba verify --key PUB`.
 */
import { basename } from 'node:path';
import {
  bytesEqual,
  hashedRekordV001Request,
  hashedRekordV002Request,
  pemDecode,
  pemEncode,
  digest as sdkDigest,
} from '@scriba/sdk';
import { parseCertificate } from '@scriba/sdk/x509';
import { parseDigestArg, readInput } from '../inputs.js';
import { CliError, usageError } from '../output.js';
import { runSignCommand } from '../publish.js';
import { signDigest, signMessage } from '../signing.js';

const USAGE = `usage: scriba sign --key KEY (--artifact FILE | --digest sha256:HEX) --bundle OUT
         [--certificate FILE] [--url URL] [--rekor-api 1|2] [--timestamp] [--trusted-root FILE]
  Signs with a PEM private key (ECDSA P-256/P-384, RSA), logs the signature, checks the log's
  answer (SET, checkpoint signature, inclusion proof) and writes a Sigstore bundle v0.3.
  --certificate  a PEM certificate for the key (e.g. from a private CA): the bundle carries it
                 instead of the bare key; verify with --certificate-identity
  --url          the log (default $SCRIBA_URL, else http://127.0.0.1:3000)
  --rekor-api    1 (default): hashedrekord 0.0.1, with a signed entry timestamp;
                 2: hashedrekord 0.0.2 (always timestamped: v2 entries carry no time)
  --timestamp    also get an RFC 3161 timestamp from the log's TSA (POST /api/v1/timestamp)
  --trusted-root the log's trusted root (default: fetched from the log)
  exit: 0 bundle written; 1 the log refused or its answer did not verify; 2 usage, unreadable
  input or unreachable log
`;

/** The DER of a PEM certificate whose public key is the signing key's. */
async function readCertificate(path: string, spki: Uint8Array): Promise<Uint8Array> {
  const text = new TextDecoder().decode(await readInput(path, 'certificate'));
  let der: Uint8Array;
  try {
    der = pemDecode(text, 'CERTIFICATE').der;
    if (!bytesEqual(parseCertificate(der).spki, spki))
      throw new Error("its public key is not the signing key's");
  } catch (e) {
    throw new CliError(2, 'CERTIFICATE_INVALID', `certificate ${path}: ${(e as Error).message}`);
  }
  return der;
}

export function run(argv: string[]): Promise<number> {
  return runSignCommand(argv, USAGE, {
    options: { certificate: { type: 'string' } },
    required: ['key', 'bundle'],
    prepare: async (v, key) => {
      if (key.type === 'ed25519') {
        throw new CliError(
          2,
          'KEY_UNSUPPORTED',
          `key ${v.key}: Ed25519 cannot sign a hashedrekord entry that Sigstore verifiers accept (the log checks Ed25519ph over the digest, verifiers check Ed25519 over the artifact); use ECDSA or RSA, or scriba attest`,
        );
      }
      let artifact: Uint8Array | undefined;
      let d: { algorithm: typeof key.hash; digest: Uint8Array };
      if (v.artifact !== undefined) {
        artifact = await readInput(v.artifact as string, 'artifact');
        d = { algorithm: key.hash, digest: sdkDigest(key.hash, artifact) };
      } else {
        d = parseDigestArg(v.digest as string);
        if (d.algorithm !== key.hash)
          throw usageError(`--digest: this key signs ${key.hash} digests, got ${d.algorithm}`);
      }
      const certificate =
        v.certificate !== undefined ? await readCertificate(v.certificate as string, key.spki) : undefined;
      const what = v.artifact !== undefined ? basename(v.artifact as string) : (v.digest as string);
      return {
        what: `signed ${what}`,
        sign: () => {
          const signature = artifact ? signMessage(key, artifact) : signDigest(key, d.digest);
          return {
            signature,
            content: { kind: 'messageSignature', messageDigest: d, signature },
            proposedV1: () =>
              hashedRekordV001Request({
                algorithm: d.algorithm,
                digest: d.digest,
                signature,
                publicKeyPem: certificate ? pemEncode(certificate, 'CERTIFICATE') : key.publicKeyPem,
              }),
            requestV2: () =>
              hashedRekordV002Request({
                digest: d.digest,
                signature,
                ...(certificate ? { certificate } : { spki: key.spki }),
                keyDetails: key.keyDetails,
              }),
            ...(certificate ? { certificate } : {}),
            ...(artifact ? { artifact } : { artifactDigest: d }),
          };
        },
      };
    },
  });
}

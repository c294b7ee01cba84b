/**
 * `scriba attest`: wraps a predicate (SBOM, SLSA provenance, any JSON) in an in-toto v1 Statement
 * about the artifact (its SHA-256 as the subject), signs it as a DSSE envelope with a PEM private
 * key, logs it (Rekor v1 dsse 0.0.1, or v2 hashedrekord 0.0.2 over the envelope's PAE digest, as
 * Rekor v2 now logs DSSE), checks the log's answer and writes a
 * Sigstore bundle v0.3 (see ../publish.ts). The equivalent of
 * `cosign attest-blob --key KEY --predicate FILE --type TYPE --bundle OUT FILE`.
 */
import { basename } from 'node:path';
import {
  dsseAsHashedRekordRequestV002,
  dsseV001Request,
  encodeStatement,
  hexEncode,
  IN_TOTO_PAYLOAD_TYPE,
  preAuthEncoding,
  predicateTypeUri,
  sha256,
} from '@scriba/sdk';
import { parseDigestArg, readInput } from '../inputs.js';
import { CliError, usageError } from '../output.js';
import { runSignCommand } from '../publish.js';
import { signMessage } from '../signing.js';

const USAGE = `usage: scriba attest --key KEY --predicate FILE --type TYPE (--artifact FILE | --digest sha256:HEX)
         --bundle OUT [--url URL] [--rekor-api 1|2] [--timestamp] [--trusted-root FILE]
  Signs an in-toto statement (subject: the artifact's sha256; predicate: the JSON FILE) as a DSSE
  envelope with a PEM private key (ECDSA P-256/P-384, RSA; Ed25519 with Rekor v1), logs it, checks the log's
  answer and writes a Sigstore bundle v0.3.
  --type  cyclonedx, spdxjson, spdx, slsaprovenance, slsaprovenance02, slsaprovenance1, link,
          vuln, openvex, custom, or a predicate type URI
  other flags as for scriba sign
  exit: 0 bundle written; 1 the log refused or its answer did not verify; 2 usage, unreadable
  input or unreachable log
`;

export function run(argv: string[]): Promise<number> {
  return runSignCommand(argv, USAGE, {
    options: { predicate: { type: 'string' }, type: { type: 'string' } },
    required: ['key', 'predicate', 'type', 'bundle'],
    check: (v) => {
      try {
        return predicateTypeUri(v.type as string);
      } catch (e) {
        throw usageError(`--type: ${(e as Error).message}`);
      }
    },
    prepare: async (v, key, api, predicateType) => {
      if (key.type === 'ed25519' && api === 2) {
        throw new CliError(
          2,
          'KEY_UNSUPPORTED',
          `key ${v.key}: Rekor v2 logs a DSSE envelope as a hashedrekord over its digest, which an Ed25519 signature over the envelope cannot be checked against; use --rekor-api 1 or an ECDSA/RSA key`,
        );
      }
      let subject: { name: string; digest: Record<string, string> };
      if (v.artifact !== undefined) {
        const bytes = await readInput(v.artifact as string, 'artifact');
        subject = { name: basename(v.artifact as string), digest: { sha256: hexEncode(sha256(bytes)) } };
      } else {
        const d = parseDigestArg(v.digest as string);
        subject = { name: v.digest as string, digest: { [d.algorithm]: hexEncode(d.digest) } };
      }
      const predicateText = new TextDecoder().decode(await readInput(v.predicate as string, 'predicate'));
      let predicate: unknown;
      try {
        predicate = JSON.parse(predicateText);
      } catch (e) {
        throw new CliError(2, 'INPUT_INVALID', `predicate ${v.predicate}: not JSON: ${(e as Error).message}`);
      }
      const payload = encodeStatement({ subjects: [subject], predicateType, predicate });
      return {
        what: `attested ${predicateType} about ${subject.name}`,
        sign: () => {
          const signature = signMessage(key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload));
          const envelope = { payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signature };
          return {
            signature,
            content: {
              kind: 'dsseEnvelope',
              payload,
              payloadType: IN_TOTO_PAYLOAD_TYPE,
              signatures: [{ sig: signature, keyid: '' }],
            },
            proposedV1: () => dsseV001Request(envelope, key.publicKeyPem),
            // Rekor v2 logs a DSSE envelope as a hashedrekord over the digest of its PAE (SDK rule).
            requestV2: () =>
              dsseAsHashedRekordRequestV002(
                { payload, payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: signature, keyid: '' }] },
                { keyDetails: key.keyDetails, publicKey: key.spki },
              ).json,
          };
        },
      };
    },
  });
}

/**
 * `scriba upload`: logs an entry with a Rekor v1 log (POST /api/v1/log/entries) and prints the
 * LogEntry. The entry is a proposed-entry JSON file (`--entry`), or a hashedrekord 0.0.1 built
 * (SDK `hashedRekordV001Request`) from `--artifact`, `--signature` (DER or base64) and
 * `--public-key` (PEM key or certificate), with the digest the key signs with (SHA-384 for P-384,
 * else SHA-256; `--hash` overrides). Before printing, the answer is checked as `scriba sign` checks
 * it (../rekor.ts): the UUID is the body's leaf hash, the signed entry timestamp and the checkpoint
 * signature verify with the log's key from the trusted root, the inclusion proof leads to the
 * checkpoint's root. A duplicate (409) fetches, checks and prints the existing entry.
 */
import {
  base64Decode,
  digest,
  type HashAlgorithm,
  hashedRekordV001Request,
  parsePublicKey,
  pemDecode,
} from '@scriba/sdk';
import { parseCertificate } from '@scriba/sdk/x509';
import { readInput } from '../inputs.js';
import { openLog, runLogCommand } from '../log-command.js';
import { CliError, printJson, usageError } from '../output.js';
import { postV1Entry, verifyRekorV1Entry } from '../rekor.js';

const USAGE = `usage: scriba upload [--url URL] [--trusted-root FILE] --entry FILE
       scriba upload [--url URL] [--trusted-root FILE] --artifact FILE --signature FILE --public-key FILE
                     [--hash sha256|sha384|sha512]
  Logs the entry, verifies the log's answer (signed entry timestamp, inclusion proof, checkpoint)
  against the trusted root (default: fetched from the log) and prints the LogEntry as JSON.
  exit: 0 logged (or already logged); 1 refused, or the answer does not verify; 2 usage,
  unreadable input or unreachable log
`;

/** The digest a key signs hashedrekord entries with: SHA-384 for P-384, SHA-512 for P-521/Ed25519. */
function keyHash(pem: string): HashAlgorithm {
  let der = pemDecode(pem).der;
  try {
    der = parseCertificate(der).spki;
  } catch {
    // a public key, not a certificate
  }
  const k = parsePublicKey(der);
  if (k.kind === 'ecdsa') return k.curve === 'P-384' ? 'sha384' : k.curve === 'P-521' ? 'sha512' : 'sha256';
  return k.kind === 'ed25519' ? 'sha512' : 'sha256';
}

async function buildHashedRekord(v: Record<string, string | undefined>): Promise<unknown> {
  const data = await readInput(v.artifact as string, 'artifact');
  const sigRaw = await readInput(v.signature as string, 'signature');
  const sigText = new TextDecoder().decode(sigRaw).trim();
  const signature =
    /^[A-Za-z0-9+/]+={0,2}$/.test(sigText) && sigText.length % 4 === 0 ? base64Decode(sigText) : sigRaw;
  const pem = new TextDecoder().decode(await readInput(v['public-key'] as string, 'public key'));
  let algorithm: HashAlgorithm;
  try {
    algorithm = (v.hash as HashAlgorithm | undefined) ?? keyHash(pem);
  } catch (e) {
    throw new CliError(2, 'PUBLIC_KEY_INVALID', `public key ${v['public-key']}: ${(e as Error).message}`);
  }
  return hashedRekordV001Request({
    algorithm,
    digest: digest(algorithm, data),
    signature,
    publicKeyPem: pem,
  });
}

export async function run(argv: string[]): Promise<number> {
  const own = {
    entry: { type: 'string' },
    artifact: { type: 'string' },
    signature: { type: 'string' },
    'public-key': { type: 'string' },
    hash: { type: 'string' },
  } as const;
  return runLogCommand(
    argv,
    USAGE,
    own,
    async (values) => {
      const v = values as Record<string, string | undefined>;
      if (v.hash !== undefined && !['sha256', 'sha384', 'sha512'].includes(v.hash)) {
        throw usageError('--hash must be sha256, sha384 or sha512');
      }
      let entry: unknown;
      if (v.entry) {
        const text = new TextDecoder().decode(await readInput(v.entry, 'entry'));
        try {
          entry = JSON.parse(text);
        } catch (e) {
          throw new CliError(2, 'INPUT_INVALID', `entry ${v.entry}: not JSON: ${(e as Error).message}`);
        }
      } else if (v.artifact && v.signature && v['public-key']) {
        entry = await buildHashedRekord(v);
      } else {
        throw usageError('give --entry, or --artifact, --signature and --public-key');
      }
      const { base, trust } = await openLog(v);
      const { answer, created } = await postV1Entry(base, entry);
      if (!created) process.stderr.write(`already logged as ${answer.uuid}; the existing entry follows\n`);
      await verifyRekorV1Entry(answer, trust);
      printJson({ [answer.uuid]: answer.value });
      return 0;
    },
    { format: false },
  );
}

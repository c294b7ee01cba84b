/**
 * `scriba keygen`: writes a new ECDSA P-256 log key (PKCS#8 PEM, mode 0600) for SCRIBA_LOG_KEY and
 * prints its public key and log ID. Never overwrites an existing file.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import { outputError, reportError, usageError } from '../output.js';

const USAGE = 'usage: scriba keygen --out FILE\n';

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const out = parsed.out as string | undefined;
  if (!out) return reportError(usageError('--out is required'), USAGE);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await writeFile(out, pem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    return reportError(outputError('cannot write key', out, e));
  }
  const pub = createPublicKey(createPrivateKey(pem));
  const spki = pub.export({ type: 'spki', format: 'der' });
  process.stdout.write(pub.export({ type: 'spki', format: 'pem' }).toString());
  process.stdout.write(`log ID: ${createHash('sha256').update(spki).digest('hex')}\n`);
  return 0;
}

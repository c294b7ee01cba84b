/**
 * `scriba trusted-root --url URL [--out FILE]`: fetches the Sigstore TrustedRoot JSON a Scriba log
 * publishes (GET /api/v1/log/trusted-root), checks that its key matches the log's public key and
 * log ID, and prints or writes it, for any Sigstore verifier to trust this log.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';

const USAGE = 'usage: scriba trusted-root --url URL [--out FILE]\n';

type TrustedRoot = { tlogs?: { publicKey?: { rawBytes?: string }; logId?: { keyId?: string } }[] };

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { url: { type: 'string' }, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
    'scriba trusted-root',
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed as { url?: string; out?: string };
  if (!values.url) {
    process.stderr.write(`scriba trusted-root: --url is required\n${USAGE}`);
    return 2;
  }
  const base = values.url.replace(/\/+$/, '');
  let root: TrustedRoot;
  let pem: string;
  try {
    const [r1, r2] = await Promise.all([
      fetch(`${base}/api/v1/log/trusted-root`),
      fetch(`${base}/api/v1/log/publicKey`),
    ]);
    if (!r1.ok || !r2.ok) throw new Error(`HTTP ${r1.status}/${r2.status}`);
    root = (await r1.json()) as TrustedRoot;
    pem = await r2.text();
  } catch (e) {
    process.stderr.write(`scriba trusted-root: cannot fetch from ${base}: ${(e as Error).message}\n`);
    return 2;
  }
  const tlog = root.tlogs?.[0];
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  if (
    tlog?.publicKey?.rawBytes !== spki.toString('base64') ||
    tlog.logId?.keyId !== createHash('sha256').update(spki).digest('base64')
  ) {
    process.stderr.write('scriba trusted-root: the trusted root does not match the log public key\n');
    return 1;
  }
  const text = `${JSON.stringify(root, null, 2)}\n`;
  if (values.out) await writeFile(values.out, text);
  else process.stdout.write(text);
  return 0;
}

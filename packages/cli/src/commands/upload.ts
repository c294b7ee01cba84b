/**
 * `scriba upload`: logs an entry with a Rekor v1 log (POST /api/v1/log/entries) and prints the
 * LogEntry. The entry is a proposed-entry JSON file (`--entry`), or a hashedrekord 0.0.1 built from
 * `--artifact`, `--signature` (DER or base64) and `--public-key` (PEM key or certificate). The
 * answer's inclusion proof is checked against its root hash with the SDK before printing. A
 * duplicate (409) fetches and prints the existing entry.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hashLeaf, verifyInclusion } from '@scriba/sdk/merkle';
import { parseCommandArgs } from '../args.js';

const USAGE = `usage: scriba upload [--url URL] --entry FILE
       scriba upload [--url URL] --artifact FILE --signature FILE --public-key FILE
`;

type LogEntryValue = {
  body: string;
  logIndex: number;
  verification?: {
    inclusionProof?: { logIndex: number; treeSize: number; rootHash: string; hashes: string[] };
  };
};

async function buildHashedRekord(artifact: string, signature: string, publicKey: string): Promise<unknown> {
  const data = await readFile(artifact);
  const sigRaw = await readFile(signature);
  const sigText = sigRaw.toString('utf8').trim();
  const sig = /^[A-Za-z0-9+/]+={0,2}$/.test(sigText) ? Buffer.from(sigText, 'base64') : sigRaw;
  const pem = await readFile(publicKey, 'utf8');
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(data).digest('hex') } },
      signature: {
        content: sig.toString('base64'),
        publicKey: { content: Buffer.from(pem).toString('base64') },
      },
    },
  };
}

function checkProof(v: LogEntryValue): void {
  const p = v.verification?.inclusionProof;
  if (!p) throw new Error('the log answered without an inclusion proof');
  const leaf = hashLeaf(new Uint8Array(Buffer.from(v.body, 'base64')));
  verifyInclusion(
    p.logIndex,
    p.treeSize,
    leaf,
    p.hashes.map((h) => new Uint8Array(Buffer.from(h, 'hex'))),
    new Uint8Array(Buffer.from(p.rootHash, 'hex')),
  );
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      url: { type: 'string', default: 'http://127.0.0.1:3000' },
      entry: { type: 'string' },
      artifact: { type: 'string' },
      signature: { type: 'string' },
      'public-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    'scriba upload',
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed as {
    url?: string;
    entry?: string;
    artifact?: string;
    signature?: string;
    'public-key'?: string;
  };
  let entry: unknown;
  try {
    if (values.entry) {
      entry = JSON.parse(await readFile(values.entry, 'utf8'));
    } else if (values.artifact && values.signature && values['public-key']) {
      entry = await buildHashedRekord(values.artifact, values.signature, values['public-key']);
    } else {
      process.stderr.write(
        `scriba upload: give --entry, or --artifact, --signature and --public-key\n${USAGE}`,
      );
      return 2;
    }
  } catch (e) {
    process.stderr.write(`scriba upload: cannot read input: ${(e as Error).message}\n`);
    return 2;
  }
  const base = values.url!.replace(/\/+$/, '');
  try {
    let r = await fetch(`${base}/api/v1/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(entry),
    });
    if (r.status === 409 && r.headers.get('location')) {
      process.stderr.write('scriba upload: already logged; fetching the existing entry\n');
      r = await fetch(new URL(r.headers.get('location')!, `${base}/`));
    }
    const text = await r.text();
    if (!r.ok) {
      process.stderr.write(`scriba upload: the log rejected the entry (HTTP ${r.status}): ${text}\n`);
      return 1;
    }
    const json = JSON.parse(text) as Record<string, LogEntryValue>;
    for (const v of Object.values(json)) checkProof(v);
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`scriba upload: ${(e as Error).message}\n`);
    return 1;
  }
}

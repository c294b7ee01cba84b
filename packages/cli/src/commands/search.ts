/**
 * `scriba search (--artifact F | --sha sha256:HEX | --public-key F | --email E)`: the UUIDs of the
 * entries the log indexes under that artifact digest, key or certificate, or e-mail (as
 * `rekor-cli search`, POST /api/v1/index/retrieve). Nothing is printed on the log's word alone:
 * every entry found is fetched and verified (SET, inclusion proof, checkpoint, ../rekor.ts), and its
 * body must really carry what was searched for (../monitor/matching.ts), else exit 1.
 */
import { base64Encode, bytesEqual, hexEncode, parseEntryBody, pemDecode } from '@scriba/sdk';
import { hashFile, parseDigestArg, readInput } from '../inputs.js';
import { openLog, outputFormat, runLogCommand } from '../log-command.js';
import { bodyDigests, bodyVerifiers, certificateIdentity } from '../monitor/matching.js';
import { CliError, printJson, usageError } from '../output.js';
import { retrieveEntries, searchIndex, verifyRekorV1Entry } from '../rekor.js';

const USAGE = `usage: scriba search (--artifact FILE | --sha sha256:HEX | --public-key FILE | --email EMAIL)
         [--url URL] [--trusted-root FILE] [--format text|json]
  Prints the UUIDs of the matching entries, one per line, after verifying each entry (signed entry
  timestamp, inclusion proof, checkpoint) and that it carries the digest, key or e-mail searched.
  exit: 0 printed (possibly none); 1 an entry does not verify or does not match; 2 usage or
  unreachable log
`;

type Query = {
  index: Record<string, unknown>;
  matches: (body: ReturnType<typeof parseEntryBody>) => boolean;
};

async function query(v: Record<string, string | undefined>): Promise<Query> {
  if (v.artifact !== undefined || v.sha !== undefined) {
    const hex =
      v.artifact !== undefined
        ? hexEncode(await hashFile(v.artifact, 'sha256'))
        : (() => {
            const d = parseDigestArg(v.sha as string, '--sha');
            if (d.algorithm !== 'sha256') throw usageError('--sha: the log indexes sha256 digests only');
            return hexEncode(d.digest);
          })();
    // A DSSE entry is also indexed under its in-toto subjects, which its body does not carry (only
    // the payload's hash): for those the body cannot contradict the index, so they are kept.
    return {
      index: { hash: `sha256:${hex}` },
      matches: (b) => bodyDigests(b).includes(hex) || b.kind !== 'hashedrekord',
    };
  }
  if (v['public-key'] !== undefined) {
    const bytes = await readInput(v['public-key'], 'public key');
    let der: Uint8Array;
    try {
      der = pemDecode(new TextDecoder().decode(bytes)).der;
    } catch (e) {
      throw new CliError(
        2,
        'PUBLIC_KEY_INVALID',
        `public key ${v['public-key']}: not PEM: ${(e as Error).message}`,
      );
    }
    return {
      index: { publicKey: { format: 'x509', content: base64Encode(bytes) } },
      matches: (b) => bodyVerifiers(b).some((x) => bytesEqual(x.der, der)),
    };
  }
  const email = (v.email as string).toLowerCase();
  return {
    index: { email },
    matches: (b) =>
      bodyVerifiers(b).some(
        (x) =>
          x.type === 'certificate' &&
          (certificateIdentity(x.der)?.sans ?? []).some((s) => s.toLowerCase() === email),
      ),
  };
}

export async function run(argv: string[]): Promise<number> {
  const own = {
    artifact: { type: 'string' },
    sha: { type: 'string' },
    'public-key': { type: 'string' },
    email: { type: 'string' },
  } as const;
  return runLogCommand(argv, USAGE, own, async (v) => {
    const given = ['artifact', 'sha', 'public-key', 'email'].filter((k) => v[k] !== undefined);
    if (given.length !== 1) throw usageError('give one of --artifact, --sha, --public-key, --email');
    const format = outputFormat(v);
    const q = await query(v as Record<string, string | undefined>);
    const { base, trust } = await openLog(v);
    const uuids = await searchIndex(base, q.index);
    const answers = await retrieveEntries(base, uuids);
    const found = new Set(answers.map((a) => a.uuid.slice(-64).toLowerCase()));
    const missing = uuids.filter((u) => !found.has(u.slice(-64).toLowerCase()));
    if (missing.length > 0) {
      throw new CliError(
        1,
        'LOG_ANSWER_INVALID',
        `${base}: the index names ${missing[0]} but the log does not serve it`,
      );
    }
    const out: { uuid: string; logIndex: number }[] = [];
    for (const a of answers) {
      const c = await verifyRekorV1Entry(a, trust);
      if (!q.matches(parseEntryBody(c.entry.canonicalizedBody))) {
        throw new CliError(
          1,
          'SEARCH_MISMATCH',
          `entry ${c.entry.logIndex} (${a.uuid}) does not carry what was searched for`,
        );
      }
      out.push({ uuid: a.uuid, logIndex: c.entry.logIndex });
    }
    if (format === 'json') printJson(out);
    else for (const o of out) process.stdout.write(`${o.uuid}\n`);
    return 0;
  });
}

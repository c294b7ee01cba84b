/**
 * `scriba verify-entry (--uuid U | --log-index N | --artifact F)`: proves entries are in the log (as
 * `rekor-cli verify`): each entry's SET, its inclusion proof and the checkpoint it leads to verify
 * with the trusted log key (../rekor.ts). With --artifact, every entry whose artifact digest is the
 * file's SHA-256 is verified (none found: exit 1).
 */
import { hexEncode } from '@scriba/sdk';
import { hashFile, intArg } from '../inputs.js';
import { openLog, outputFormat, runLogCommand } from '../log-command.js';
import { CliError, printJson, usageError } from '../output.js';
import {
  type CheckedEntry,
  getEntry,
  type RekorV1Answer,
  retrieveEntries,
  searchIndex,
  verifyRekorV1Entry,
} from '../rekor.js';

const USAGE = `usage: scriba verify-entry (--uuid UUID | --log-index N | --artifact FILE) [--url URL]
         [--trusted-root FILE] [--format text|json]
  Verifies that entries are in the log: signed entry timestamp, inclusion proof, checkpoint
  signature against the trusted root.
  exit: 0 verified; 1 not found or does not verify; 2 usage or unreachable log
`;

export async function run(argv: string[]): Promise<number> {
  const own = {
    uuid: { type: 'string' },
    'log-index': { type: 'string' },
    artifact: { type: 'string' },
  } as const;
  return runLogCommand(argv, USAGE, own, async (v) => {
    const given = ['uuid', 'log-index', 'artifact'].filter((k) => v[k] !== undefined);
    if (given.length !== 1) throw usageError('give one of --uuid, --log-index, --artifact');
    const format = outputFormat(v);
    const index = intArg(v['log-index'] as string | undefined, '--log-index');
    const { base, trust } = await openLog(v);
    let answers: RekorV1Answer[];
    if (v.artifact === undefined) answers = [await getEntry(base, v.uuid as string | undefined, index)];
    else {
      const sha = hexEncode(await hashFile(v.artifact as string, 'sha256'));
      answers = await retrieveEntries(base, await searchIndex(base, { hash: `sha256:${sha}` }));
      if (answers.length === 0)
        throw new CliError(1, 'NOT_FOUND', `no entry in ${base} for ${v.artifact} (sha256:${sha})`);
    }
    const checked: CheckedEntry[] = [];
    for (const a of answers) checked.push(await verifyRekorV1Entry(a, trust));
    for (const c of checked) {
      if (format === 'json') {
        printJson({
          verified: true,
          uuid: c.uuid,
          logIndex: c.entry.logIndex,
          integratedTime: c.entry.integratedTime,
          checkpointSize: c.checkpointSize,
        });
      } else {
        process.stdout.write(
          `verified entry ${c.entry.logIndex} (${c.uuid}): signed entry timestamp, inclusion proof in the checkpoint of size ${c.checkpointSize}\n`,
        );
      }
    }
    return 0;
  });
}

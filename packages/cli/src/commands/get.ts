/**
 * `scriba get (--log-index N | --uuid U)`: prints one Rekor v1 log entry (as `rekor-cli get`) after
 * verifying it (../rekor.ts): its UUID is its body's leaf hash, its SET and its inclusion proof and
 * checkpoint verify with the trusted log key. `--format json` prints the LogEntry as the log
 * served it, `{uuid: entry}`.
 */
import { hexEncode, parseEntryBody, utf8Decode } from '@scriba/sdk';
import { intArg } from '../inputs.js';
import { openLog, outputFormat, runLogCommand } from '../log-command.js';
import { printJson, usageError } from '../output.js';
import { getEntry, verifyRekorV1Entry } from '../rekor.js';

const USAGE = `usage: scriba get (--log-index N | --uuid UUID) [--url URL] [--trusted-root FILE] [--format text|json]
  Prints a log entry after verifying its signed entry timestamp, inclusion proof and checkpoint
  against the log's key in the trusted root (default: fetched from the log).
  exit: 0 printed; 1 not found, or the entry does not verify; 2 usage or unreachable log
`;

export async function run(argv: string[]): Promise<number> {
  return runLogCommand(
    argv,
    USAGE,
    { 'log-index': { type: 'string' }, uuid: { type: 'string' } },
    async (v) => {
      if ((v['log-index'] === undefined) === (v.uuid === undefined))
        throw usageError('give one of --log-index or --uuid');
      const format = outputFormat(v);
      const index = intArg(v['log-index'] as string | undefined, '--log-index');
      const { base, trust } = await openLog(v);
      const answer = await getEntry(base, v.uuid as string | undefined, index);
      const checked = await verifyRekorV1Entry(answer, trust);
      if (format === 'json') {
        printJson({ [answer.uuid]: answer.value });
        return 0;
      }
      const e = checked.entry;
      const body = parseEntryBody(e.canonicalizedBody);
      process.stdout.write(
        [
          `LogID: ${hexEncode(e.logId)}`,
          `Index: ${e.logIndex}`,
          `IntegratedTime: ${new Date(e.integratedTime * 1000).toISOString()}`,
          `UUID: ${answer.uuid}`,
          `Kind: ${body.kind} ${body.apiVersion}`,
          `Body: ${utf8Decode(e.canonicalizedBody)}`,
          `Verified: signed entry timestamp, inclusion proof in the checkpoint of size ${checked.checkpointSize} signed by the log`,
          '',
        ].join('\n'),
      );
      return 0;
    },
  );
}

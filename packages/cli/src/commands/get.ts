/**
 * `scriba get (--log-index N | --uuid U)`: prints one Rekor v1 log entry (as `rekor-cli get`) after
 * verifying it (../rekor.ts): its UUID is its body's leaf hash, its SET and its inclusion proof and
 * checkpoint verify with the trusted log key. `--format json` prints the LogEntry as the log
 * served it, `{uuid: entry}`.
 */
import { parseEntryBody, utf8Decode } from '@scriba/sdk';
import { parseCommandArgs } from '../args.js';
import { defaultLogUrl, logBase } from '../http.js';
import { intArg } from '../inputs.js';
import { printJson, runCommand, usageError } from '../output.js';
import { getEntryByIndex, getEntryByUuid, verifyRekorV1Entry } from '../rekor.js';
import { loadTrust } from '../trust.js';

const USAGE = `usage: scriba get (--log-index N | --uuid UUID) [--url URL] [--trusted-root FILE] [--format text|json]
  Prints a log entry after verifying its signed entry timestamp, inclusion proof and checkpoint
  against the log's key in the trusted root (default: fetched from the log).
  exit: 0 printed; 1 not found, or the entry does not verify; 2 usage or unreachable log
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      'log-index': { type: 'string' },
      uuid: { type: 'string' },
      url: { type: 'string', default: defaultLogUrl() },
      'trusted-root': { type: 'string' },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    'error USAGE',
  );
  if (typeof parsed === 'number') return parsed;
  const v = parsed as Record<string, string | undefined>;
  return runCommand(USAGE, async () => {
    if ((v['log-index'] === undefined) === (v.uuid === undefined))
      throw usageError('give one of --log-index or --uuid');
    if (v.format !== 'text' && v.format !== 'json') throw usageError('--format must be text or json');
    const base = logBase(v.url as string);
    const index = intArg(v['log-index'], '--log-index');
    const { trust } = await loadTrust(base, v['trusted-root']);
    const answer =
      v.uuid !== undefined
        ? await getEntryByUuid(base, v.uuid)
        : await getEntryByIndex(base, index as number);
    const checked = await verifyRekorV1Entry(answer, trust);
    if (v.format === 'json') {
      printJson({ [answer.uuid]: answer.value });
      return 0;
    }
    const e = checked.entry;
    const body = parseEntryBody(e.canonicalizedBody);
    process.stdout.write(
      [
        `LogID: ${Buffer.from(e.logId).toString('hex')}`,
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
  });
}

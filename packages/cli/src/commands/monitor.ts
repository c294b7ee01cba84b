/**
 * `scriba monitor`: follows a tiled transparency log (C2SP tlog-tiles, tlog-checkpoint) and proves it
 * only ever grows (RFC 6962 consistency), then scans the new entries for watched identities, issuers,
 * keys and digests — every shard of the log: the frozen ones held to their final checkpoint, new ones
 * picked up from the log's published list. This module parses the command line and runs rounds; the
 * jobs live in ../monitor/: log-round.ts (a round over every shard), round.ts (one shard's round),
 * state.ts (the state files), matching.ts (what an entry matches, with the SDK's X.509 parser),
 * output.ts (events as lines or JSON).
 *
 * Exit codes: 0 clean; 1 a check failed (bad signature, missing witness cosignatures,
 * inconsistency, entries that do not hash into the tree, a frozen shard that changed, a followed
 * shard no longer listed), with the evidence printed (both checkpoints and the failing proof); 2 usage or unreadable input (or an unreachable log); 3 watched
 * items found. With --json, every event is one JSON object on its own stdout line.
 */
import { readFile } from 'node:fs/promises';
import { base64Decode, hexDecode } from '@scriba/sdk';
import { parsePublicKey, pemDecode } from '@scriba/sdk/crypto';
import type { NoteVerifier } from '@scriba/sdk/note';
import type { WitnessPolicy } from '@scriba/sdk/verify';
import { parseCommandArgs } from '../args.js';
import { normalizeLogUrl } from '../http.js';
import { intArg } from '../inputs.js';
import { monitorLog } from '../monitor/log-round.js';
import type { Watch } from '../monitor/matching.js';
import { makeEmitter } from '../monitor/output.js';
import { trustedRootVerifiers } from '../monitor/round.js';
import { fileError, inputError, reportError, usageError } from '../output.js';
import { witnessPolicy } from '../rekor.js';

export { type LogMonitorOptions, monitorLog } from '../monitor/log-round.js';
export {
  certificateIdentity,
  keyFingerprint,
  type Match,
  matchEntry,
  type Watch,
} from '../monitor/matching.js';
export { humanLine, type MonitorEvent } from '../monitor/output.js';
export {
  type MonitorOptions,
  monitorRound,
  type RoundResult,
  type ShardContext,
  trustedRootVerifiers,
} from '../monitor/round.js';
export type { MonitorState } from '../monitor/state.js';

const USAGE = `usage: scriba monitor --url URL --trusted-root FILE [--state FILE] [--once | --interval 60s]
       [--watch-identity RE]... [--watch-issuer RE]... [--watch-key FILE]... [--watch-digest sha256:HEX]...
       [--vkey VERIFIER_KEY]... [--require-witnesses N --witness VKEY...] [--json]
  --url                 the log (every shard it lists), or one shard: URL/api/v2/shards/<treeID>
  --trusted-root        the log's keys (Sigstore trusted root, every shard's key); --vkey adds note
                        verifier keys
  --state FILE          the shards followed; each shard's last verified checkpoint is kept beside it
                        (FILE.json -> FILE.<treeID>.json) and consistency is proven from it
  --watch-key FILE      a PEM public key; matches print its sha256 fingerprint
  --witness VKEY        a witness's note verifier key; each checkpoint must carry --require-witnesses N
                        of their cosignatures (default: all given)
  exit: 0 clean; 1 a check failed (evidence printed); 2 usage, unreadable input or unreachable log;
  3 watched items found
`;

function parseInterval(s: string): number {
  const m = /^([0-9]+)(ms|s|m|h)?$/.exec(s);
  if (!m) throw new Error(`bad --interval '${s}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

/**
 * Where the monitor reads a log given by `url`: the shard list under the base URL and the tiles under
 * `<base>/api/v2`; a URL naming one shard's tlog-tiles prefix (`…/api/v2/shards/<treeID>`) is that
 * tree alone (no shard list is served there, so it is followed as one tree at that prefix).
 */
export function monitorUrls(url: string): { baseUrl: string; tilesUrl: string } {
  const base = normalizeLogUrl(url);
  if (/\/api\/v2\/shards\/[0-9]+$/.test(base)) return { baseUrl: base, tilesUrl: base };
  return { baseUrl: base, tilesUrl: `${base}/api/v2` };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      url: { type: 'string' },
      'trusted-root': { type: 'string' },
      state: { type: 'string' },
      once: { type: 'boolean' },
      interval: { type: 'string' },
      'watch-identity': { type: 'string', multiple: true },
      'watch-issuer': { type: 'string', multiple: true },
      'watch-key': { type: 'string', multiple: true },
      'watch-digest': { type: 'string', multiple: true },
      vkey: { type: 'string', multiple: true },
      witness: { type: 'string', multiple: true },
      'require-witnesses': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed;
  const url = values.url as string | undefined;
  const trPath = values['trusted-root'] as string | undefined;
  if (!url || (!trPath && !(values.vkey as string[] | undefined)?.length)) {
    return reportError(usageError('--url and --trusted-root are required'), USAGE);
  }
  let intervalMs: number | undefined;
  let watch: Watch;
  let verifiers: (text: string) => Promise<NoteVerifier[]>;
  let witnesses: WitnessPolicy | undefined;
  try {
    witnesses = await witnessPolicy(
      (values.witness as string[] | undefined) ?? [],
      intArg(values['require-witnesses'] as string | undefined, '--require-witnesses'),
    );
    if (values.interval !== undefined && !values.once) intervalMs = parseInterval(values.interval as string);
    const keys: Uint8Array[] = [];
    for (const f of (values['watch-key'] as string[] | undefined) ?? []) {
      let text: string;
      try {
        text = await readFile(f, 'utf8');
      } catch (e) {
        throw fileError('--watch-key', f, e);
      }
      const der = text.includes('-----BEGIN') ? pemDecode(text).der : base64Decode(text.trim());
      keys.push(parsePublicKey(der).spki);
    }
    const digests = ((values['watch-digest'] as string[] | undefined) ?? []).map((d) => {
      const m = /^sha256:([0-9a-fA-F]{64})$/.exec(d);
      if (!m) throw new Error(`--watch-digest must be sha256:<64 hex>, got '${d}'`);
      hexDecode(m[1]!.toLowerCase());
      return m[1]!.toLowerCase();
    });
    watch = {
      identities: ((values['watch-identity'] as string[] | undefined) ?? []).map((r) => new RegExp(r)),
      issuers: ((values['watch-issuer'] as string[] | undefined) ?? []).map((r) => new RegExp(r)),
      keys,
      digests,
    };
    const trJson = trPath
      ? await readFile(trPath, 'utf8').catch((e) => {
          throw fileError('trusted root', trPath, e);
        })
      : '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[]}';
    verifiers = trustedRootVerifiers(trJson, url, (values.vkey as string[] | undefined) ?? []);
  } catch (e) {
    return reportError(inputError(e));
  }
  const json = values.json === true;
  const emit = makeEmitter(json);
  const { baseUrl, tilesUrl } = monitorUrls(url);
  const round = () =>
    monitorLog({
      baseUrl,
      tilesUrl,
      verifiers,
      ...(witnesses ? { witnesses } : {}),
      watch,
      emit,
      ...(values.state ? { statePath: values.state as string } : {}),
    });
  if (intervalMs === undefined) return (await round()).exit;
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let found = false;
  while (!stop) {
    const r = await round();
    if (r.exit === 1) return 1;
    if (r.exit === 3) found = true;
    const until = Date.now() + intervalMs;
    while (!stop && Date.now() < until)
      await new Promise((res) => setTimeout(res, Math.min(250, until - Date.now())));
  }
  return found ? 3 : 0;
}

/**
 * The frame of the `scriba` commands that read a log and check what it answers (get, search,
 * verify-entry, loginfo, logproof, upload): the options they all take — `--url` (default
 * SCRIBA_URL, http.ts), `--trusted-root FILE`, `--format text|json` where a command prints both
 * forms, `--help` — and the log they name: its base URL and the trust to check it with (trust.ts).
 */
import type { ParseArgsConfig } from 'node:util';
import type { TrustMaterial } from '@scriba/sdk/verify';
import { type CommandValues, runParsedCommand } from './args.js';
import { defaultLogUrl, logBase } from './http.js';
import { usageError } from './output.js';
import { loadTrust } from './trust.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Runs a log command: `options` are its own; `format` adds `--format text|json`. */
export function runLogCommand(
  argv: string[],
  usage: string,
  options: Options,
  body: (v: CommandValues) => Promise<number>,
  { format = true }: { format?: boolean } = {},
): Promise<number> {
  return runParsedCommand(
    argv,
    {
      ...options,
      url: { type: 'string', default: defaultLogUrl() },
      'trusted-root': { type: 'string' },
      ...(format ? { format: { type: 'string', default: 'text' } } : {}),
      help: { type: 'boolean', short: 'h' },
    },
    usage,
    body,
  );
}

/** `--format`: text or json (a usage error otherwise). */
export function outputFormat(v: CommandValues): 'text' | 'json' {
  if (v.format !== 'text' && v.format !== 'json') throw usageError('--format must be text or json');
  return v.format;
}

/** The log at `--url` and the trust for it (`--trusted-root`, else the log's own root). */
export async function openLog(v: CommandValues): Promise<{ base: string; trust: TrustMaterial }> {
  const base = logBase(v.url as string);
  const { trust } = await loadTrust(base, v['trusted-root'] as string | undefined);
  return { base, trust };
}

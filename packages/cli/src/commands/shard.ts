/**
 * `scriba shard list | rotate`: operator commands on a log's shards (issue 11), working on the
 * database the server configuration names (the environment `scriba serve` reads: DATABASE_URL, else
 * the embedded data dir SCRIBA_DATA_DIR, plus SCRIBA_LOG_KEY, SCRIBA_SHARD_KEYS, SCRIBA_PUBLIC_URL /
 * SCRIBA_LOG_NAME for the new shard's origin). The work is the server's (@scriba/server/shards).
 * `export` (shard-export.ts) writes a frozen shard as a static C2SP log.
 */
import { runParsedCommand } from '../args.js';
import { serverEnvironment } from '../env.js';
import { CliError, EXIT_USAGE, printJson, printLines, reportError, usageError } from '../output.js';

const USAGE = `usage: scriba shard list [--json] [--data-dir DIR] [--database-url URL]
       scriba shard rotate [--key FILE] [--json] [--data-dir DIR] [--database-url URL]
       scriba shard export --tree-id ID --out DIR [options]   (scriba shard export --help)

list    prints every shard: tree id, origin, offset (global index of its first entry), size,
        active/frozen, validity window, log ID
rotate  freezes the active shard (its last signed checkpoint is final) and starts the next one at
        once; every server on the database follows at its next batch. --key FILE: the new shard's
        ECDSA P-256 private key (PEM; deploy it to every server's SCRIBA_SHARD_KEYS first), else
        the active shard's key is kept.
export  writes a frozen shard as static C2SP tiles, entry bundles and its final checkpoint
`;

const OPTIONS = {
  json: { type: 'boolean' },
  key: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Admin = typeof import('@scriba/server/shards');
type Info = Awaited<ReturnType<Admin['listShards']>>[number];

/** Server configuration errors and a locked data dir as one line each (exit 2). */
function operatorError(admin: Admin, e: unknown): unknown {
  if (e instanceof admin.DataDirInUseError) {
    return new CliError(
      EXIT_USAGE,
      'DATA_DIR_IN_USE',
      `a running server (process ${e.holder ?? 'unknown'}) holds the embedded database in ${e.dir}: stop it first, or let it rotate by policy (SCRIBA_SHARD_MAX_SIZE, SCRIBA_SHARD_PERIOD)`,
    );
  }
  if (e instanceof admin.ConfigError) return new CliError(EXIT_USAGE, 'CONFIG', e.message);
  return e;
}

const window = (s: Info) => `${s.validFrom} .. ${s.validTo ?? 'now'}`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (sub === undefined) return reportError(usageError('give a subcommand (list, rotate, export)'), USAGE);
  if (sub === 'export') return (await import('./shard-export.js')).run(rest);
  return runParsedCommand(rest, OPTIONS, USAGE, async (v) => {
    const env = serverEnvironment();
    if (typeof v['data-dir'] === 'string') env.SCRIBA_DATA_DIR = v['data-dir'];
    if (typeof v['database-url'] === 'string') env.DATABASE_URL = v['database-url'];
    const admin: Admin = await import('@scriba/server/shards');
    if (sub === 'list') {
      if (v.key !== undefined) throw usageError('--key is an option of `scriba shard rotate`');
      const shards = await admin.listShards(env).catch((e) => {
        throw operatorError(admin, e);
      });
      if (v.json) {
        printJson(shards);
        return 0;
      }
      for (const s of shards) {
        printLines(
          `${s.state.padEnd(6)} tree ${s.treeId}  offset ${s.offset}  size ${s.size}  valid ${window(s)}`,
          `       origin ${s.origin}  log ID ${s.logId}`,
        );
      }
      return 0;
    }
    if (sub === 'rotate') {
      const { frozen, active } = await admin
        .rotateShards(env, { keyPath: typeof v.key === 'string' ? v.key : undefined })
        .catch((e) => {
          throw operatorError(admin, e);
        });
      if (v.json) {
        printJson({ frozen, active });
        return 0;
      }
      printLines(
        `frozen tree ${frozen.treeId}: final size ${frozen.size} (${frozen.size === 0 ? 'no entries' : `global indices ${frozen.offset}..${frozen.offset + frozen.size - 1}`}), root ${frozen.rootHash}`,
        'final checkpoint:',
        (frozen.checkpoint ?? '(none)').trimEnd(),
        `active tree ${active.treeId}: offset ${active.offset}, origin ${active.origin}, log ID ${active.logId}`,
      );
      return 0;
    }
    throw usageError(`unknown subcommand '${sub}' (list, rotate, export)`);
  });
}

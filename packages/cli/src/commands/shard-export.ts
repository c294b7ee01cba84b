/**
 * `scriba shard export --tree-id ID --out DIR`: writes a frozen shard of the log as a static C2SP log
 * (tlog-tiles tiles and entry bundles, then its final checkpoint, each at its URL path relative to
 * the log's tile prefix), so that any web server, object store or CDN can serve it and tile clients
 * (the SDK's TileClient, `scriba monitor`) verify it from there. Works on the database the server
 * configuration names, as `scriba serve` does (DATABASE_URL, else the embedded data dir; the log key
 * for the Ed25519 co-signature); the work is the server's (@scriba/server/shard-export).
 *
 * Exit codes: 0 written; 1 the stored shard does not add up to its final checkpoint (nothing past
 * the damage written, no checkpoint); 2 usage, configuration, an unknown or active shard, DIR not
 * empty, the database unreachable.
 */
import { runParsedCommand } from '../args.js';
import { serverEnvironment } from '../env.js';
import { CliError, EXIT_CHECK_FAILED, EXIT_USAGE, printJson, printLines, usageError } from '../output.js';

export const USAGE = `usage: scriba shard export --tree-id ID --out DIR [--json] [--data-dir DIR] [--database-url URL]

Writes frozen shard ID as static files laid out as its URL paths under /api/v2/shards/ID/
(checkpoint, tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>]): serve DIR from any web server and
point tile clients at its URL. DIR must be absent or empty; the checkpoint is written last. The
active shard is refused (rotate first). Every entry, tile and the root are checked while written.
exit: 0 written; 1 the stored shard does not match its checkpoint; 2 usage, configuration, an
unknown or active shard, DIR not empty, database unreachable
`;

const OPTIONS = {
  'tree-id': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  return runParsedCommand(argv, OPTIONS, USAGE, async (v) => {
    const treeId = v['tree-id'];
    const out = v.out;
    if (typeof treeId !== 'string' || !/^(0|[1-9][0-9]{0,18})$/.test(treeId)) {
      throw usageError("--tree-id must be a shard's decimal tree id (see `scriba shard list`)");
    }
    if (typeof out !== 'string' || out === '') throw usageError('--out DIR is required');
    const env = serverEnvironment();
    if (typeof v['data-dir'] === 'string') env.SCRIBA_DATA_DIR = v['data-dir'];
    if (typeof v['database-url'] === 'string') env.DATABASE_URL = v['database-url'];
    const exporter = await import('@scriba/server/shard-export');
    let summary: Awaited<ReturnType<typeof exporter.exportShardToDir>>;
    try {
      summary = await exporter.exportShardToDir(env, { treeId, out });
    } catch (e) {
      if (e instanceof exporter.ShardExportRefused) throw new CliError(EXIT_USAGE, e.code, e.message);
      if (e instanceof exporter.ShardDataError) throw new CliError(EXIT_CHECK_FAILED, e.code, e.message);
      if (e instanceof exporter.DataDirInUseError) {
        throw new CliError(
          EXIT_USAGE,
          'DATA_DIR_IN_USE',
          `a running server (process ${e.holder ?? 'unknown'}) holds the embedded database in ${e.dir}: stop it first`,
        );
      }
      if (e instanceof exporter.ConfigError) throw new CliError(EXIT_USAGE, 'CONFIG', e.message);
      throw new CliError(EXIT_USAGE, 'DATABASE', (e as Error).message.split('\n')[0] ?? String(e));
    }
    if (v.json) printJson(summary);
    else {
      printLines(
        `exported frozen shard ${summary.treeId} (${summary.origin}): size ${summary.size}, root ${summary.rootHash}`,
        `${summary.files} files, ${summary.bytes} bytes in ${summary.out}`,
      );
    }
    return 0;
  });
}

/**
 * `scriba shard export --tree-id ID --out DIR` (issue 11, "a frozen shard can leave the database"):
 * writes a frozen shard to DIR as a static C2SP log (log/export.ts: tiles, entry bundles, the final
 * checkpoint, each at its tlog-tiles path), from the database the server configuration names (the
 * environment `scriba serve` reads: DATABASE_URL, else the embedded data dir; the keyring for the
 * Ed25519 co-signature), opened as `scriba shard list | rotate` open it (shard-admin.ts). Apart from
 * the migrations `scriba serve` would apply, it only reads the database. DIR must be absent or empty; files are created, never overwritten.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hexEncode } from '@scriba/sdk/encoding';
import { ConfigError, loadConfig } from './config.js';
import { ShardCosigners } from './keys/shard-cosigners.js';
import { type ExportSummary, exportShard, ShardDataError } from './log/export.js';
import { Shard } from './log/shard.js';
import { configuredKeyring, DataDirInUseError, signedAs, withStorage } from './shard-admin.js';

export { ConfigError, DataDirInUseError, type ExportSummary, ShardDataError };

/** The export cannot start: an unknown or active shard, a directory in the way, a missing key. */
export class ShardExportRefused extends Error {
  constructor(
    readonly code: 'NO_SUCH_SHARD' | 'SHARD_ACTIVE' | 'OUT_NOT_EMPTY' | 'SHARD_KEY_MISSING',
    message: string,
  ) {
    super(message);
    this.name = 'ShardExportRefused';
  }
}

async function assertEmptyDir(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new ShardExportRefused('OUT_NOT_EMPTY', `--out ${dir} cannot be used (${code ?? e})`);
  }
  if (names.length > 0) {
    throw new ShardExportRefused(
      'OUT_NOT_EMPTY',
      `--out ${dir} is not empty (an export never overwrites files)`,
    );
  }
}

/** Files under `root`, directories made as needed (each once); an existing file is an error. */
function directorySink(root: string): { write(path: string, data: Uint8Array): Promise<void> } {
  const made = new Set<string>();
  return {
    async write(path, data) {
      const file = join(root, ...path.split('/'));
      const dir = dirname(file);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      await writeFile(file, data, { flag: 'wx' });
    },
  };
}

/**
 * Exports frozen shard `treeId` to `out`. Throws ConfigError (configuration), DataDirInUseError (a
 * server holds the embedded database), ShardExportRefused, or ShardDataError (the stored shard does
 * not add up to its final checkpoint; files written so far stay, without a checkpoint).
 */
export async function exportShardToDir(
  env: Record<string, string | undefined>,
  opts: { treeId: string; out: string; onProgress?: (done: number, size: number) => void },
): Promise<ExportSummary & { out: string }> {
  const config = loadConfig(env);
  await assertEmptyDir(opts.out);
  const keyring = await configuredKeyring(config);
  return withStorage(config, async (storage) => {
    const record = (await storage.shards()).find((t) => t.treeId === opts.treeId);
    if (!record)
      throw new ShardExportRefused('NO_SUCH_SHARD', `the log has no shard with tree id ${opts.treeId}`);
    if (record.active) {
      throw new ShardExportRefused(
        'SHARD_ACTIVE',
        `shard ${record.treeId} is the active shard (it still grows): rotate first, then export it`,
      );
    }
    if (record.checkpoint === null)
      throw new ShardDataError(`frozen shard ${record.treeId} has no checkpoint`);
    // The key name as the servers signed the shard's checkpoint (not re-derived from this environment).
    const { name } = signedAs(record, config);
    const cosigners =
      keyring &&
      new ShardCosigners(name, config.logEd25519KeyPath, (id) => keyring.byLogId(id), keyring.primary);
    if (!cosigners?.forShard(record.logId)) {
      throw new ShardExportRefused(
        'SHARD_KEY_MISSING',
        `shard ${record.treeId} is signed with log ID ${hexEncode(record.logId)}, a key the configured keyring (SCRIBA_LOG_KEY or the data dir's log key, SCRIBA_SHARD_KEYS) lacks: its Ed25519 co-signature cannot be made`,
      );
    }
    await mkdir(opts.out, { recursive: true });
    const summary = await exportShard(
      new Shard(storage, record),
      (note) => cosigners.cosign(record.logId, note),
      directorySink(opts.out),
      opts.onProgress,
    );
    return { ...summary, out: opts.out };
  });
}

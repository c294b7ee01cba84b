/**
 * The embedded database's data directory belongs to one process: two `scriba serve` processes on one
 * PGlite directory would each keep their own copy of the tree and sign diverging checkpoints (a fork).
 * `lockDataDir` takes `<dir>/scriba.lock` (holding the pid) atomically — written to a private file,
 * then hard-linked into place, which fails if the lock exists. A lock whose process is gone (a crash,
 * kill -9) is stale and taken over: it is first renamed away (only one taker can win that rename)
 * and checked again, so two processes never both believe they hold it. A lock naming this very pid
 * is stale too (a container restarted with the same pid). The lock is removed on close.
 */
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config.js';

export const LOCK_FILE = 'scriba.lock';

/** The data directory's lock is held by a live process (a running server). */
export class DataDirInUseError extends ConfigError {
  constructor(
    readonly dir: string,
    readonly holder: number | undefined,
    lock: string,
  ) {
    super(
      `the data directory ${dir} is in use by process ${holder ?? 'unknown'} (lock file ${lock}); one process per embedded database — use DATABASE_URL (PostgreSQL) to run several`,
    );
    this.name = 'DataDirInUseError';
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holderOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the data directory's lock; throws ConfigError naming the holder when another process has it. */
export async function lockDataDir(dir: string, name = LOCK_FILE): Promise<{ release(): Promise<void> }> {
  const lock = join(dir, name);
  const mine = join(dir, `${name}.${process.pid}`);
  await writeFile(mine, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(mine, lock);
        // A taker of a stale lock that raced with this one may have moved this lock aside: check,
        // after a moment, that the lock still names this process.
        await new Promise((r) => setTimeout(r, 50));
        const now = await holderOf(lock);
        if (now !== process.pid) {
          throw new DataDirInUseError(dir, now, lock);
        }
        return {
          async release() {
            // Only remove the lock while it still names this process.
            if ((await holderOf(lock)) === process.pid) await unlink(lock).catch(() => {});
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = await holderOf(lock);
      if (holder !== undefined && alive(holder)) {
        throw new DataDirInUseError(dir, holder, lock);
      }
      // Stale: move it aside (one taker wins the rename), then check what was moved.
      const aside = join(dir, `${name}.stale.${process.pid}`);
      try {
        await rename(lock, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = await holderOf(aside);
      if (moved !== undefined && moved !== holder && alive(moved)) {
        // Another process took the lock over meanwhile: put its lock back (never over a newer one)
        // and refuse.
        await link(aside, lock).catch(() => {});
        await unlink(aside).catch(() => {});
        throw new DataDirInUseError(dir, moved, lock);
      }
      await unlink(aside).catch(() => {});
    }
    throw new ConfigError(`cannot take the lock ${lock} of the data directory ${dir}`);
  } finally {
    await unlink(mine).catch(() => {});
  }
}

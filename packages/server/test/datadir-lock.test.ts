import { spawn, spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../../test/helpers/server.js';

const LOCK_JS = pathToFileURL(
  join(REPO_ROOT, 'packages', 'server', 'dist', 'storage', 'datadir-lock.js'),
).href;

/** Runs lockDataDir(dir) in a new process; resolves with 'held' or its error line. */
function contender(dir: string): Promise<string> {
  const code = `
    const { lockDataDir } = await import(${JSON.stringify(LOCK_JS)});
    try { await lockDataDir(${JSON.stringify(dir)}); console.log('held'); await new Promise((r) => setTimeout(r, 1500)); }
    catch (e) { console.log(e.message); }`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', () => resolve(out.trim()));
  });
}

describe('lockDataDir', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await c();
  });

  describe('when several processes start at once on a directory with a stale lock', () => {
    it.each([2, 4])('exactly one of %i holds it; the others name the holder', async (n) => {
      const dir = await tempDir();
      cleanup.push(dir.remove);
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      await writeFile(join(dir.path, 'scriba.lock'), `${dead}\n`);
      const results = await Promise.all(Array.from({ length: n }, () => contender(dir.path)));
      expect(results.filter((r) => r === 'held')).toHaveLength(1);
      for (const r of results.filter((x) => x !== 'held')) expect(r).toMatch(/is in use by process [0-9]+/);
      // Nothing left behind but the lock (the holder exited without releasing it: stale again).
      expect((await readdir(dir.path)).filter((f) => f !== 'scriba.lock')).toEqual([]);
    });
  });
});

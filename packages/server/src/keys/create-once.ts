/**
 * Files created on first start that several processes may create at once (the log key, the TSA key
 * and chain in a shared data directory): each becomes visible whole or not at all, so a process that
 * finds one never reads it half-written. Written to a private temporary file beside it, then linked
 * into place (createOnce: fails with EEXIST when the file exists, so exactly one creator wins) or
 * renamed over it (replaceWhole).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

async function writeTemporary(path: string, data: string, mode: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode, flag: 'wx' });
  return tmp;
}

/** Creates `path` with `data`, whole; rejects with EEXIST (and writes nothing) when it exists. */
export async function createOnce(path: string, data: string, mode: number): Promise<void> {
  const tmp = await writeTemporary(path, data, mode);
  try {
    await link(tmp, path);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** Writes `path` with `data`, whole, replacing what is there. */
export async function replaceWhole(path: string, data: string, mode: number): Promise<void> {
  const tmp = await writeTemporary(path, data, mode);
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

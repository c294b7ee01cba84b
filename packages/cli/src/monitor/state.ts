/**
 * The monitor's state job: what it remembers between rounds (the last verified checkpoint and the
 * compact range of its tree), read strictly and written atomically (temp file + rename).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

export type MonitorState = {
  origin: string;
  size: number;
  /** base64 */
  rootHash: string;
  /** The full signed checkpoint that was verified. */
  checkpoint: string;
  /** base64 hashes of the compact range of the verified tree (rangeNodes(size), left to right). */
  range: string[];
};

/** The state, or undefined when there is no file yet. Throws on unreadable or malformed files. */
export async function readState(path: string | undefined): Promise<MonitorState | undefined> {
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`state file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let s: MonitorState;
  try {
    s = JSON.parse(text) as MonitorState;
  } catch {
    throw new Error(`state file ${path} is not JSON`);
  }
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.origin !== 'string' ||
    !Number.isSafeInteger(s.size) ||
    typeof s.rootHash !== 'string' ||
    typeof s.checkpoint !== 'string' ||
    !Array.isArray(s.range)
  ) {
    throw new Error(`state file ${path} is malformed`);
  }
  return s;
}

export async function writeState(path: string, s: MonitorState): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}

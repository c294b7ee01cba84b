/**
 * Shared by `scriba trusted-root` and `scriba signing-config`: fetch a published JSON/text document
 * (an HTTP error or unreadable body is an Error with a one-line message), and write the result to
 * stdout or a file (a file that cannot be written is one line on stderr and exit 2, never a stack).
 */
import { writeFile } from 'node:fs/promises';

/** GETs `url`; throws an Error with a one-line message on a network error or a non-2xx answer. */
export async function fetchJsonOrText(url: string, as: 'json' | 'text'): Promise<unknown> {
  let r: Response;
  try {
    r = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(cause?.code ?? cause?.message ?? (e as Error).message);
  }
  if (!r.ok) throw new Error(`GET ${new URL(url).pathname}: HTTP ${r.status}`);
  const text = await r.text();
  if (as === 'text') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`GET ${new URL(url).pathname}: the answer is not JSON`);
  }
}

/** Writes `text` to `out` (or stdout). Returns the exit code: 0, or 2 when the file cannot be written. */
export async function writeOut(name: string, text: string, out: string | undefined): Promise<number> {
  if (out === undefined) {
    process.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(out, text);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`${name}: cannot write ${out}: ${err.code ?? err.message}\n`);
    return 2;
  }
  return 0;
}

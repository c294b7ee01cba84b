/**
 * Shared by `scriba trusted-root` and `scriba signing-config` (`--url URL [--out FILE]`): fetch a
 * published JSON/text document (an HTTP error or unreadable body is an Error with a one-line
 * message), check it, and write it to stdout or a file (a file that cannot be written is one line
 * on stderr and exit 2, never a stack). Exit codes: 0 ok; 1 a check failed; 2 usage error, the
 * server cannot be reached, or FILE cannot be written.
 */
import { writeFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';

/** A check the fetched document fails (exit 1). */
export class CheckFailed extends Error {}

/**
 * Runs `NAME --url URL [--out FILE]`: `fetchAll(base)` gets the documents (its failure: exit 2),
 * `check(fetched, base)` throws CheckFailed (exit 1) or anything else (exit 2), then `fetched.json`
 * is written as indented JSON.
 */
export async function runFetchConfig<F extends { json: unknown }>(
  argv: string[],
  name: string,
  usage: string,
  fetchAll: (base: string) => Promise<F>,
  check: (fetched: F, base: string) => Promise<void>,
): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { url: { type: 'string' }, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    usage,
    name,
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed as { url?: string; out?: string };
  if (!values.url) {
    process.stderr.write(`${name}: --url is required\n${usage}`);
    return 2;
  }
  const base = values.url.replace(/\/+$/, '');
  let fetched: F;
  try {
    fetched = await fetchAll(base);
  } catch (e) {
    process.stderr.write(`${name}: cannot fetch from ${base}: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    await check(fetched, base);
  } catch (e) {
    if (e instanceof CheckFailed) {
      process.stderr.write(`${name}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`${name}: cannot check ${base}: ${(e as Error).message}\n`);
    return 2;
  }
  return writeOut(name, `${JSON.stringify(fetched.json, null, 2)}\n`, values.out);
}

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
async function writeOut(name: string, text: string, out: string | undefined): Promise<number> {
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

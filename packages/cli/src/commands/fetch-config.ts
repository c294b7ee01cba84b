/**
 * Shared by `scriba trusted-root` and `scriba signing-config` (`--url URL [--out FILE]`): fetch a
 * published JSON/text document (an HTTP error or unreadable body is an Error with a one-line
 * message), check it, and write it to stdout or a file. Every failure is one `error CODE: message`
 * line (output.ts). Exit codes: 0 ok; 1 a check failed; 2 usage error, the server cannot be reached,
 * or FILE cannot be written.
 */
import { writeFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import { CliError, EXIT_CHECK_FAILED, EXIT_USAGE, outputError, reportError, usageError } from '../output.js';

/** A check the fetched document fails (exit 1). */
export class CheckFailed extends Error {}

/**
 * Runs `--url URL [--out FILE]`: `fetchAll(base)` gets the documents (its failure: LOG_UNREACHABLE,
 * exit 2), `check(fetched, base)` throws CheckFailed (`checkCode`, exit 1) or anything else (exit 2),
 * then `fetched.json` is written as indented JSON.
 */
export async function runFetchConfig<F extends { json: unknown }>(
  argv: string[],
  checkCode: string,
  usage: string,
  fetchAll: (base: string) => Promise<F>,
  check: (fetched: F, base: string) => Promise<void>,
): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { url: { type: 'string' }, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    usage,
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed as { url?: string; out?: string };
  if (!values.url) return reportError(usageError('--url is required'), usage);
  const base = values.url.replace(/\/+$/, '');
  let fetched: F;
  try {
    fetched = await fetchAll(base);
  } catch (e) {
    return reportError(
      new CliError(EXIT_USAGE, 'LOG_UNREACHABLE', `cannot fetch from ${base}: ${(e as Error).message}`),
    );
  }
  try {
    await check(fetched, base);
  } catch (e) {
    if (e instanceof CheckFailed) return reportError(new CliError(EXIT_CHECK_FAILED, checkCode, e.message));
    return reportError(
      new CliError(EXIT_USAGE, 'LOG_UNREACHABLE', `cannot check ${base}: ${(e as Error).message}`),
    );
  }
  return writeOut(`${JSON.stringify(fetched.json, null, 2)}\n`, values.out);
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
async function writeOut(text: string, out: string | undefined): Promise<number> {
  if (out === undefined) {
    process.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(out, text);
  } catch (e) {
    return reportError(outputError('cannot write', out, e));
  }
  return 0;
}

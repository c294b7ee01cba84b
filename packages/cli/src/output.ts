/**
 * What every `scriba` command prints when it fails, and the exit codes: one line
 * `error CODE: message` on stderr (never a stack trace), naming what failed (URL, file, cause).
 *
 * Exit codes (all commands): 0 ok; 1 a check failed (verification, a log answer that does not
 * verify, a log that refused the request); 2 usage error, unreadable or unparseable input, or an
 * unreachable log; 3 watched items found (`monitor`).
 */
import { isScribaError } from '@scriba/sdk';
import { isVerificationError } from '@scriba/sdk/verify';

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_MATCHES = 3;

/** A failure a command reports as one line with this exit code. */
export class CliError extends Error {
  constructor(
    readonly exit: 1 | 2,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A usage error (exit 2). */
export function usageError(message: string): CliError {
  return new CliError(EXIT_USAGE, 'USAGE', message);
}

/** `what path: cause` (the errno code where there is one) under `code`, exit 2. */
function pathError(code: string, what: string, path: string, e: unknown): CliError {
  const errno = (e as NodeJS.ErrnoException)?.code;
  return new CliError(EXIT_USAGE, code, `${what} ${path}: ${errno ?? (e as Error)?.message ?? e}`);
}

/** A file that cannot be read (exit 2). */
export function fileError(what: string, path: string, e: unknown): CliError {
  return pathError('INPUT_UNREADABLE', what, path, e);
}

/** A file that cannot be written (exit 2). */
export function outputError(what: string, path: string, e: unknown): CliError {
  return pathError('OUTPUT_UNWRITABLE', what, path, e);
}

/**
 * `e` as a failure of what the command was given (exit 2): its own code when it has one (a CliError,
 * or an SDK error such as KEY_INVALID), else `code`.
 */
export function inputError(e: unknown, code = 'INPUT_INVALID'): CliError {
  if (e instanceof CliError) return e;
  const d = describeError(e);
  return new CliError(EXIT_USAGE, d.code === 'INTERNAL_ERROR' ? code : d.code, d.message);
}

/** The exit code and one-line message of any failure. */
export function describeError(e: unknown): { exit: 1 | 2; code: string; message: string } {
  if (e instanceof CliError) return { exit: e.exit, code: e.code, message: e.message };
  if (isVerificationError(e) || isScribaError(e)) return { exit: 1, code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { exit: 1, code: 'INTERNAL_ERROR', message: message.split('\n')[0] ?? '' };
}

/** Writes the failure line (plus `usage` after a usage error) and returns the exit code. */
export function reportError(e: unknown, usage?: string): number {
  const d = describeError(e);
  process.stderr.write(`error ${d.code}: ${d.message}\n${d.code === 'USAGE' && usage ? usage : ''}`);
  return d.exit;
}

/** Runs a command body; any failure becomes one line and its exit code. */
export async function runCommand(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    return reportError(e, usage);
  }
}

/** Prints a JSON value on one line (machine output). */
export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

/** Prints human output lines. */
export function printLines(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

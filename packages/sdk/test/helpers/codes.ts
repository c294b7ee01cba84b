/**
 * Error-code probes for SDK tests: tests assert a ScribaError's `code`, never its message, and a
 * non-ScribaError (a leaked TypeError, say) must fail the assertion rather than pass silently.
 */
import { ScribaError } from '../../src/errors.js';

function describeThrown(e: unknown): string {
  return e instanceof ScribaError ? e.code : `not a ScribaError: ${String(e)}`;
}

/** The code `fn` throws (undefined when it returns). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return describeThrown(e);
  }
  return undefined;
}

/** The code `fn` throws or rejects with (undefined when it resolves). */
export async function asyncCodeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return describeThrown(e);
  }
  return undefined;
}

/** Runs `fn`; rethrows anything it throws that is not a ScribaError (for property tests). */
export function onlyCoded(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ScribaError)) throw e;
  }
}

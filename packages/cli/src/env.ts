/**
 * The one place the `scriba` commands read their environment (README, "CLI environment"):
 *  - SCRIBA_URL: the log a command talks to without `--url`;
 *  - SCRIBA_VERIFY_STREAM_THRESHOLD: the artifact size from which `scriba verify` hashes a stream;
 *  - `scriba serve` hands the whole environment to the server, whose config.ts reads it.
 * (`scriba witness` reads DATABASE_URL itself until the witness becomes its own package.)
 */

/** SCRIBA_URL when set and not empty. */
export function envLogUrl(): string | undefined {
  return process.env.SCRIBA_URL || undefined;
}

/** SCRIBA_VERIFY_STREAM_THRESHOLD in bytes when it is a non-negative integer, else `fallback`. */
export function envVerifyStreamThreshold(fallback: number): number {
  const v = Number(process.env.SCRIBA_VERIFY_STREAM_THRESHOLD);
  return Number.isSafeInteger(v) && v >= 0 ? v : fallback;
}

/** A copy of the environment, for the server `scriba serve` starts (its config.ts reads it). */
export function serverEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

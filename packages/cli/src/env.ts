/**
 * The one place the `scriba` commands read their environment (README, "CLI environment"):
 *  - SCRIBA_URL: the log a command talks to without `--url`;
 *  - SCRIBA_VERIFY_STREAM_THRESHOLD: the artifact size from which `scriba verify` hashes a stream;
 *  - DATABASE_URL: the PostgreSQL `scriba witness` keeps its state in without `--database-url`;
 *  - `scriba serve` hands the whole environment to the server, whose config.ts reads it.
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

/** DATABASE_URL when set and not empty (`scriba witness`; the server reads its own in config.ts). */
export function envDatabaseUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

/** A copy of the environment, for the server `scriba serve` starts (its config.ts reads it). */
export function serverEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

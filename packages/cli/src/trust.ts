/**
 * Trust for the `scriba` commands that check what a log says: a Sigstore TrustedRoot read from
 * `--trusted-root FILE`, or (without it) fetched from the log itself (GET /api/v1/log/trusted-root;
 * trust on first use, said once on stderr), prepared with the SDK's `prepareTrustMaterial`.
 */
import { readFile } from 'node:fs/promises';
import type { PublicKey } from '@scriba/sdk';
import { windowContains } from '@scriba/sdk/bundle';
import { prepareTrustMaterial, type TrustedLog, type TrustMaterial } from '@scriba/sdk/verify';
import { normalizeLogUrl, requestJson } from './http.js';
import { CliError, fileError } from './output.js';

export type LoadedTrust = { trust: TrustMaterial; source: string };

/** Trust material from a file (exit 2 when unreadable or invalid). */
export async function readTrustedRoot(path: string): Promise<TrustMaterial> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw fileError('trusted root', path, e);
  }
  try {
    return prepareTrustMaterial(text);
  } catch (e) {
    throw new CliError(2, 'TRUSTED_ROOT_INVALID', `${path}: ${(e as Error).message}`);
  }
}

/** Trust material from `path`, else fetched from the log at `base` (noted on stderr). */
export async function loadTrust(base: string, path: string | undefined, quiet = false): Promise<LoadedTrust> {
  if (path !== undefined) return { trust: await readTrustedRoot(path), source: path };
  const url = `${base}/api/v1/log/trusted-root`;
  const json = await requestJson(url);
  let trust: TrustMaterial;
  try {
    trust = prepareTrustMaterial(json);
  } catch (e) {
    throw new CliError(1, 'TRUSTED_ROOT_INVALID', `${url}: ${(e as Error).message}`);
  }
  if (!quiet)
    process.stderr.write(`note: trusting the root served by ${url} (pin it with --trusted-root FILE)\n`);
  return { trust, source: url };
}

/**
 * The trusted log serving `base` now: among the tlogs whose baseUrl is `base` (else all, when there
 * is only one), the one whose validity window contains the current time, the latest started first.
 * A sharded log lists one tlog per key; the one trusted now signs the active shard.
 */
export function trustedLogFor(
  trust: TrustMaterial,
  base: string,
  now = Date.now(),
): TrustedLog & { key: PublicKey } {
  const logs = [...trust.tlogs.values()];
  const named = logs.filter((l) => normalizeLogUrl(l.instance.baseUrl) === normalizeLogUrl(base));
  const candidates = named.length > 0 ? named : logs.length === 1 ? logs : [];
  const trustedNow = (l: TrustedLog) => {
    try {
      return windowContains(l.instance.validFor, now);
    } catch {
      return false; // a malformed window: never preferred
    }
  };
  const start = (l: TrustedLog) => l.instance.validFor.window?.start ?? Number.NEGATIVE_INFINITY;
  const log = candidates.toSorted(
    (a, b) => Number(trustedNow(b)) - Number(trustedNow(a)) || start(b) - start(a),
  )[0];
  if (!log) throw new CliError(1, 'TLOG_UNTRUSTED_LOG', `no log in the trusted root has base URL ${base}`);
  if (log.key instanceof Error) {
    throw new CliError(
      1,
      'TLOG_UNTRUSTED_LOG',
      `the trusted key of ${log.instance.baseUrl} is unusable: ${log.key.message}`,
    );
  }
  return log as TrustedLog & { key: PublicKey };
}

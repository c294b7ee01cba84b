/**
 * `scriba signing-config --url URL [--out FILE]`: fetches the Sigstore SigningConfig a Scriba server
 * publishes (GET /api/v1/log/signing-config; protobuf-specs, media type
 * application/vnd.dev.sigstore.signingconfig.v0.2+json), checks it, and prints or writes it — the
 * file `cosign sign --signing-config FILE` (cosign 3) and other current sigstore clients choose their
 * services from. Checked:
 *  - it parses as a SigningConfig v0.2 (the SDK's parser: URLs, API versions, validity, selectors);
 *  - at least one Rekor log is usable now, and each listed service answers where this server serves
 *    it: a Rekor v1 log GET /api/v1/log, a Rekor v2 log GET /api/v2/checkpoint, a timestamp authority
 *    GET <url>/certchain.
 *
 * Exit codes: 0 ok; 1 the signing config fails a check; 2 usage error, the server cannot be reached,
 * or FILE cannot be written. Every failure is one line on stderr.
 */
import { activeServices, parseSigningConfig, type SigningConfig } from '@scriba/sdk/bundle';
import { CheckFailed, fetchJsonOrText, runFetchConfig } from './fetch-config.js';

const USAGE = 'usage: scriba signing-config --url URL [--out FILE]\n';
/** The code of a signing config that fails a check. */
const CHECK_CODE = 'SIGNING_CONFIG_INVALID';

async function answers(url: string, what: string): Promise<void> {
  try {
    await fetchJsonOrText(url, 'text');
  } catch (e) {
    throw new CheckFailed(`${what} does not answer at ${url}: ${(e as Error).message}`);
  }
}

async function check(config: SigningConfig): Promise<void> {
  if (activeServices(config.rekorTlogUrls, 2).length === 0) {
    throw new CheckFailed('no Rekor log (API version 1 or 2) is valid now');
  }
  for (const s of config.rekorTlogUrls) {
    const base = s.url.replace(/\/+$/, '');
    if (s.majorApiVersion === 1) await answers(`${base}/api/v1/log`, 'the Rekor v1 log');
    else if (s.majorApiVersion === 2) await answers(`${base}/api/v2/checkpoint`, 'the Rekor v2 log');
  }
  for (const s of config.tsaUrls) {
    await answers(`${s.url.replace(/\/+$/, '')}/certchain`, 'the timestamp authority');
  }
}

export function run(argv: string[]): Promise<number> {
  return runFetchConfig(
    argv,
    CHECK_CODE,
    USAGE,
    async (base) => ({ json: await fetchJsonOrText(`${base}/api/v1/log/signing-config`, 'json') }),
    async ({ json }) => {
      let config: SigningConfig;
      try {
        config = parseSigningConfig(json);
      } catch (e) {
        throw new CheckFailed(`not a Sigstore signing config: ${(e as Error).message}`);
      }
      await check(config);
    },
  );
}

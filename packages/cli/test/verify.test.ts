/**
 * `scriba verify`: exit codes (0 verified, 1 check failed, 2 usage / unreadable or unparseable
 * input), the `error CODE: message` line, --json output, streaming hashing of large artifacts.
 * Runs `run()` in-process (output captured) and spawns the built `packages/cli/dist/bin.js` once
 * for each exit code (the repo's `npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../src/commands/verify.js';
import { captureRun } from './helpers/capture.js';

const VECTORS = join(import.meta.dirname, '../../../test/vectors');
const CASES = join(VECTORS, 'sigstore-conformance/test/assets/bundle-verify');
const PROD = join(VECTORS, 'public-good/trusted_root.prod.from-sigstore-js-seeds.json');
const A_TXT = join(CASES, 'a.txt');
const ID =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const BIN = join(import.meta.dirname, '../dist/bin.js');
const tmp = mkdtempSync(join(tmpdir(), 'scriba-verify-'));

const bundle = (name: string) => join(CASES, name, 'bundle.sigstore.json');
const certArgs = (name: string, extra: string[] = []) => [
  '--bundle',
  bundle(name),
  '--artifact',
  A_TXT,
  '--trusted-root',
  PROD,
  '--certificate-identity',
  ID,
  '--certificate-oidc-issuer',
  ISSUER,
  ...extra,
];
const keyArgs = (extra: string[] = []) => [
  '--bundle',
  bundle('managed-key-happy-path'),
  '--trusted-root',
  PROD,
  '--key',
  join(CASES, 'managed-key-happy-path', 'key.pub'),
  ...extra,
];

function capture(argv: string[]) {
  return captureRun(run, argv);
}

afterEach(() => {
  delete process.env.SCRIBA_VERIFY_STREAM_THRESHOLD;
});

describe('scriba verify', () => {
  describe('when the bundle verifies', () => {
    it('exits 0 with a one-line summary', async () => {
      const r = await capture(certArgs('happy-path-v0.3'));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^verified .*: signed by certificate for https:\/\/github\.com\/sigstore-conformance\/.* \(issuer https:\/\/token\.actions\.githubusercontent\.com\); logged in https:\/\/rekor\.sigstore\.dev#79571823; time 2024-03-19T17:26:26\.000Z\n$/,
      );
      expect(r.stdout.split('\n')).toHaveLength(2);
    });

    it('prints the result as one JSON object with --json', async () => {
      const r = await capture(
        certArgs('rekor2-happy-path', ['--json']).map((a) =>
          a === PROD ? join(CASES, 'rekor2-happy-path', 'trusted_root.json') : a,
        ),
      );
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({
        verified: true,
        result: {
          version: '0.3',
          signer: { type: 'certificate', subjectAlternativeName: ID, issuer: ISSUER },
          tlogEntries: [
            { logIndex: 735, kind: 'hashedrekord', version: '0.0.2', inclusionProofVerified: true },
          ],
          timestamps: [{ source: 'rfc3161' }],
        },
      });
    });

    it('accepts identity and issuer regexps', async () => {
      const r = await capture([
        '--bundle',
        bundle('happy-path-v0.3'),
        '--artifact',
        A_TXT,
        '--trusted-root',
        PROD,
        '--certificate-identity-regexp',
        '^https://github\\.com/sigstore-conformance/',
        '--certificate-oidc-issuer-regexp',
        'githubusercontent',
      ]);
      expect(r.code).toBe(0);
    });

    it('verifies a key-signed bundle by --digest', async () => {
      const r = await capture(
        keyArgs(['--digest', 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf']),
      );
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/signed by key sha256:[0-9a-f]{64}/);
    });

    it('hashes an artifact above the threshold as a stream', async () => {
      process.env.SCRIBA_VERIFY_STREAM_THRESHOLD = '0';
      const r = await capture(keyArgs(['--artifact', A_TXT, '--json']));
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).result.artifactDigest.digest).toBe(
        'oM/HEnHW4njlfNMy/5V8P3BD/do1TEy7GQow1W76Ab8=',
      );
    });
  });

  describe('when verification fails', () => {
    it.each([
      ['signature-mismatch_fail', 'SIGNATURE_INVALID'],
      ['wrong-hashedrekord-artifact_fail', 'BINDING_DIGEST_MISMATCH'],
      ['bundle-unknown-version_fail', 'BUNDLE_UNSUPPORTED_VERSION'],
    ])('%s exits 1 with error %s', async (name, code) => {
      const r = await capture(certArgs(name));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^error ${code}: .+\\n$`));
      expect(r.stdout).toBe('');
    });

    it('refuses another identity', async () => {
      const r = await capture(certArgs('happy-path-v0.3').map((a) => (a === ID ? 'someone@example.com' : a)));
      expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error IDENTITY_MISMATCH: /) });
    });

    it('refuses another digest', async () => {
      const r = await capture(keyArgs(['--digest', `sha256:${'00'.repeat(32)}`]));
      expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error MESSAGE_DIGEST_MISMATCH: /) });
    });

    it('prints the error as JSON with --json', async () => {
      const r = await capture(certArgs('signature-mismatch_fail', ['--json']));
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({
        verified: false,
        error: { code: 'SIGNATURE_INVALID', message: expect.any(String) },
      });
    });
  });

  it('names the offending field of a structurally invalid bundle in --json', async () => {
    const r = await capture(certArgs('bundle-negative-log-index_fail', ['--json']));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'BUNDLE_INVALID',
      field: '$.verificationMaterial.tlogEntries[0].logIndex',
    });
  });

  describe('when the input is unusable', () => {
    const badRoot = join(tmp, 'root.json');
    writeFileSync(badRoot, '{"mediaType": "nope"}');
    const badKey = join(tmp, 'key.pub');
    writeFileSync(badKey, 'not a key');
    it.each([
      ['no arguments', [], 'USAGE'],
      ['an unknown flag', [...certArgs('happy-path-v0.3'), '--frobnicate'], 'USAGE'],
      ['no identity and no key', ['--bundle', bundle('happy-path-v0.3'), '--trusted-root', PROD], 'USAGE'],
      [
        'both --artifact and --digest',
        [...certArgs('happy-path-v0.3'), '--digest', `sha256:${'00'.repeat(32)}`],
        'USAGE',
      ],
      ['a malformed --digest', keyArgs(['--digest', 'md5:00']), 'USAGE'],
      [
        'an invalid regexp',
        [...certArgs('happy-path-v0.3').slice(0, 6), '--certificate-identity-regexp', '('],
        'USAGE',
      ],
      [
        'a missing bundle file',
        certArgs('happy-path-v0.3').map((a) => (a === bundle('happy-path-v0.3') ? join(tmp, 'nope') : a)),
        'INPUT_UNREADABLE',
      ],
      [
        'a missing artifact',
        certArgs('happy-path-v0.3').map((a) => (a === A_TXT ? join(tmp, 'nope') : a)),
        'INPUT_UNREADABLE',
      ],
      ['a bundle that is not JSON', certArgs('bundle-malformed-json_fail'), 'BUNDLE_PARSE_ERROR'],
      [
        'a malformed trusted root',
        certArgs('happy-path-v0.3').map((a) => (a === PROD ? badRoot : a)),
        'TRUSTED_ROOT_INVALID',
      ],
      ['a malformed key', [...keyArgs().slice(0, 4), '--key', badKey], 'PUBLIC_KEY_INVALID'],
    ])('exits 2 for %s', async (_d, argv, code) => {
      const r = await capture(argv as string[]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error ${code}: `));
    });

    it('prints the usage and exits 0 for --help', async () => {
      const r = await capture(['--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: scriba verify /);
    });

    it('reports a usage error as JSON with --json', async () => {
      const r = await capture(['--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ verified: false, error: { code: 'USAGE' } });
    });
  });

  describe('when spawned as the scriba binary', () => {
    it.each([
      [0, certArgs('happy-path-v0.1'), /^verified /],
      [1, certArgs('set-invalid-signature_fail'), /^error TLOG_SET_INVALID: /],
      [2, ['--bundle', bundle('happy-path-v0.1')], /^error USAGE: /],
    ])('exits %i', (code, argv, pattern) => {
      const r = spawnSync(process.execPath, [BIN, 'verify', ...argv], { encoding: 'utf8' });
      expect(r.status).toBe(code);
      expect(code === 0 ? r.stdout : r.stderr).toMatch(pattern);
    });
  });
});

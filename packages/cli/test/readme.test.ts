/**
 * The README's command walkthroughs run as written: each block marked `<!-- tested: NAME -->` is
 * run by bash from an empty directory, with the built `scriba` on PATH and no DATABASE_URL (so
 * `scriba serve` and `scriba witness` use their embedded databases, as a newcomer's would). Only the
 * ports change: 3000, 3001 and 3030 become free ones (SCRIBA_URL and PORT carry the first to the
 * commands that use the defaults). `set -euo pipefail` stops at the first failing line; background
 * jobs are stopped at the end.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/helpers/ports.js';
import { REPO_ROOT, tempDir } from '../../../test/helpers/server.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

async function block(name: string): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- tested: ${name}\\b[^>]*-->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no tested block '${name}'`);
  return m[1] as string;
}

async function runBlock(name: string): Promise<{ code: number | null; out: string }> {
  const d = await tempDir(`scriba-readme-${name}-`);
  cleanups.push(d.remove);
  const bin = join(d.path, '.bin');
  await mkdir(bin);
  await writeFile(
    join(bin, 'scriba'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'packages/cli/bin/scriba.js')}" "$@"\n`,
  );
  await chmod(join(bin, 'scriba'), 0o755);
  const ports: Record<string, number> = {
    '3000': await freePort(),
    '3001': await freePort(),
    '3030': await freePort(),
  };
  const lines = (await block(name)).replace(/\b(3000|3001|3030)\b/g, (p) => String(ports[p]));
  const script = `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n${lines}`;
  const work = join(d.path, 'work');
  await mkdir(work);
  const env: Record<string, string | undefined> = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    SCRIBA_URL: `http://127.0.0.1:${ports['3000']}`,
    PORT: String(ports['3000']),
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 150_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('README', () => {
  it('walkthrough: sign, log, verify, attest, read, monitor (the monitor finds the watched key: exit 3)', async () => {
    const r = await runBlock('walkthrough');
    expect(r.out).toMatch(/^signed artifact\.txt; logged at index 0 /m);
    expect(r.out).toMatch(/^verified artifact\.sigstore\.json: signed by key sha256:/m);
    expect(r.out).toMatch(
      /^verified sbom\.sigstore\.json: .*statement https:\/\/cyclonedx\.org\/bom about artifact\.txt$/m,
    );
    expect(r.out).toMatch(/^Verification Successful!\nOrigin: /m);
    expect(r.out).toMatch(/^MATCH entry 0 \(hashedrekord 0\.0\.1\): key=sha256:[0-9a-f]{64}/m);
    expect(r.code).toBe(3);
  }, 180_000);

  it('witness: the log pushes to the witness started with --log-url, and its cosignature is required and found', async () => {
    const r = await runBlock('witness');
    expect(r.out).toMatch(/^following 127\.0\.0\.1:\d+ - \d+$/m);
    expect(r.out).toMatch(/^Cosigned by: witness\.example\/w1$/m);
    expect(r.out).toMatch(/^checkpoint .* \(signature verified; cosigned by witness\.example\/w1\)$/m);
    expect(r.code).toBe(0);
  }, 180_000);
});

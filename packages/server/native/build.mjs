#!/usr/bin/env node
/**
 * Builds the optional prehashed-signature addon (packages/server/native, N-API + the OpenSSL inside
 * node) with node-gyp against node's own headers. The root `npm run build` runs this after `tsc -b`.
 *
 * This script MUST NOT fail the build: when the addon cannot be compiled (no compiler, no headers,
 * no node-gyp, offline header download), it prints one warning and exits 0, and the server uses the
 * pure-JS fallback (@noble/curves via @scriba/sdk). `SCRIBA_NATIVE=0` skips the build entirely.
 * `SCRIBA_NATIVE_REQUIRED=1` (set by .ci/run) makes a failed build fail, so CI never measures or
 * tests a server that silently fell back.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, 'build', 'Release', 'scriba_verify.node');
const sources = [join(here, 'src', 'verify.c'), join(here, 'binding.gyp')];

function warn(msg) {
  if (process.env.SCRIBA_NATIVE_REQUIRED === '1') {
    console.error(`[scriba native] ${msg}; SCRIBA_NATIVE_REQUIRED=1, so the build fails`);
    process.exit(1);
  }
  console.warn(`[scriba native] ${msg}; the server will use the pure-JS verifier`);
}

function upToDate() {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  return sources.every((s) => statSync(s).mtimeMs <= built);
}

/** node-gyp bundled with the npm that runs us (or the one next to `node`), else null. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath)
    candidates.push(
      join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    );
  const prefix = dirname(dirname(process.execPath));
  candidates.push(
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  );
  try {
    const npmBin = realpathSync(join(dirname(process.execPath), 'npm'));
    candidates.push(join(dirname(npmBin), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  } catch {}
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** A directory holding include/node/node_api.h for this very node, so node-gyp needs no download. */
function findNodeDir() {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function main() {
  if (process.env.SCRIBA_NATIVE === '0') return;
  if (upToDate()) return;
  const gyp = findNodeGyp();
  if (!gyp) return warn('node-gyp not found');
  const nodedir = findNodeDir();
  const args = [gyp, 'rebuild', '--silent'];
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const r = spawnSync(process.execPath, args, {
    cwd: here,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  if (r.status !== 0 || !existsSync(output)) {
    const tail = `${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    return warn(`addon build failed${tail ? ` (${tail})` : ''}`);
  }
  console.log('[scriba native] built packages/server/native/build/Release/scriba_verify.node');
}

try {
  main();
} catch (e) {
  warn(`addon build skipped: ${e instanceof Error ? e.message : String(e)}`);
}

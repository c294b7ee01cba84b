#!/usr/bin/env node
/**
 * Layering check (docs/architecture.md), run by `npm run lint` so CI fails on a violation:
 *
 * 1. The SDK imports nothing upward: no `@scriba/server` / `@scriba/cli`, no relative path out of
 *    packages/sdk, and (it is isomorphic) no `node:` built-in — except NODE_ENTRY, the one file the
 *    `node` export condition loads to hand node:crypto, node:buffer's base64 encoder and an HTTP
 *    GET (node:http, node:https, node:zlib) to the SDK (its isomorphic test checks that no default
 *    entry reaches it).
 * 2. SQL text appears only in a storage implementation: the log's (packages/server/src/storage/) and
 *    the witness's store (packages/witness/src/store.ts). SQL_NOT_YET_MOVED lists exceptions; it is
 *    empty and may only stay so.
 * 3. HTTP routes do not reach storage: nothing under packages/server/src/routes/ imports storage/, a
 *    database driver, the tile store or the tile reader; they call the log core (LogService).
 * 5. The log core (packages/server/src/log/) talks to storage only through its port (log/storage.ts):
 *    it imports neither storage/ nor a database driver.
 * 4. The server reads its environment in one place: `process.env` appears only in
 *    packages/server/src/config.ts (everything else, the witness package too, gets typed values
 *    passed down); the CLI likewise only in packages/cli/src/env.ts.
 *
 * Reads source as text (import specifiers and string literals); prints one line per violation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SQL_HOMES = ['packages/server/src/storage/', 'packages/witness/src/store.ts'];
/** SQL outside the storage implementations. Empty; shrink only. */
const SQL_NOT_YET_MOVED = new Set([]);
const SQL =
  /\b(SELECT\s+[\w*(]|INSERT\s+INTO\b|DELETE\s+FROM\b|CREATE\s+(TABLE|INDEX)\b|ALTER\s+TABLE\b|UPDATE\s+[a-z_]+\s+SET\b)/;
const DRIVERS = [/^pg$/, /^pg\//, /^@electric-sql\/pglite/];
const ROUTE_FORBIDDEN = [/\/storage\//, /\/tileStore\.js$/, /\/tile-reader\.js$/, ...DRIVERS];
const CORE_FORBIDDEN = [/\/storage\//, ...DRIVERS];

function sources(dir) {
  const out = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist' && e.name !== 'generated') out.push(...sources(p));
    } else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts'))
      out.push(p.split(sep).join('/'));
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function importsOf(text) {
  const out = [];
  for (const m of text.matchAll(IMPORT)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** Source text without comments (so a doc comment naming SQL is not SQL). */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The SDK's Node-only entry (package.json `node` condition); it alone may import these built-ins. */
const NODE_ENTRY = 'packages/sdk/src/native-node.ts';
const NODE_ENTRY_BUILTINS = new Set(['node:buffer', 'node:crypto', 'node:http', 'node:https', 'node:zlib']);

const problems = [];
for (const file of sources('packages/sdk/src')) {
  for (const spec of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
    if (/^@scriba\/(server|cli)(\/|$)/.test(spec)) problems.push(`${file}: the SDK imports ${spec}`);
    if (spec.startsWith('node:') && !(file === NODE_ENTRY && NODE_ENTRY_BUILTINS.has(spec)))
      problems.push(`${file}: the SDK imports the Node built-in ${spec}`);
    if (spec.startsWith('.')) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec))
        .split(sep)
        .join('/');
      if (!target.startsWith('packages/sdk/'))
        problems.push(`${file}: the SDK imports ${spec} (outside the SDK)`);
    }
  }
}
for (const file of [
  ...sources('packages/server/src'),
  ...sources('packages/witness/src'),
  ...sources('packages/cli/src'),
  ...sources('packages/sdk/src'),
]) {
  if (SQL_HOMES.some((h) => file.startsWith(h)) || SQL_NOT_YET_MOVED.has(file)) continue;
  const m = SQL.exec(code(readFileSync(join(ROOT, file), 'utf8')));
  if (m) problems.push(`${file}: SQL ("${m[0]}") outside ${SQL_HOMES.join(' and ')}`);
}
for (const file of sources('packages/server/src/routes')) {
  for (const spec of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
    if (ROUTE_FORBIDDEN.some((re) => re.test(spec)))
      problems.push(`${file}: a route imports storage (${spec})`);
  }
}
for (const file of sources('packages/server/src/log')) {
  for (const spec of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
    if (CORE_FORBIDDEN.some((re) => re.test(spec)))
      problems.push(`${file}: the log core imports storage (${spec}); use the port (log/storage.ts)`);
  }
}
// The witness (once part of the server) gets its settings passed down from the CLI, as the server's code does.
for (const file of [...sources('packages/server/src'), ...sources('packages/witness/src')]) {
  if (file === 'packages/server/src/config.ts') continue;
  if (/\bprocess\.env\b/.test(code(readFileSync(join(ROOT, file), 'utf8'))))
    problems.push(`${file}: reads process.env (only packages/server/src/config.ts may)`);
}
for (const file of sources('packages/cli/src')) {
  if (file === 'packages/cli/src/env.ts') continue;
  if (/\bprocess\.env\b/.test(code(readFileSync(join(ROOT, file), 'utf8'))))
    problems.push(`${file}: reads process.env (only packages/cli/src/env.ts may)`);
}
for (const f of SQL_NOT_YET_MOVED) {
  try {
    if (!SQL.test(code(readFileSync(join(ROOT, f), 'utf8'))))
      problems.push(
        `${f}: holds no SQL any more; remove it from SQL_NOT_YET_MOVED in scripts/check-layers.mjs`,
      );
  } catch {
    problems.push(`${f}: listed in SQL_NOT_YET_MOVED but missing; remove it from scripts/check-layers.mjs`);
  }
}

if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`layers: ${p}\n`);
  process.stderr.write(`layers: ${problems.length} violation(s); see docs/architecture.md\n`);
  process.exit(1);
}
process.stdout.write(
  'layers: ok (SDK imports nothing upward; SQL only in storage; routes and the log core do not import storage; env read only in config.ts and the CLI env.ts)\n',
);

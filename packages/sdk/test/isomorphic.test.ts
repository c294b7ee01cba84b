/**
 * The SDK MUST run in browsers: its compiled output may not import Node built-ins nor use Buffer —
 * with exactly one exception, dist/native-node.js, which only the `node` export condition loads and
 * which imports `node:crypto` (signatures, digests) and `node:http`/`node:https`/`node:zlib` (the tile
 * client's GET) and nothing else built in.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../dist/', import.meta.url).pathname;

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

const NODE_IMPORT =
  /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"](node:[^'"]+|fs|path|crypto|buffer|os|stream|util|child_process|net|http|https|zlib|url|events)['"]/;
const BUFFER_USE = /\bBuffer\s*[.(]/;
const NODE_ONLY = 'native-node.js';
const PKG = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, { node?: string; default: string }>;
};

describe('sdk compiled output', () => {
  const files = jsFiles(DIST);

  it('exists (the build ran)', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  describe('when scanned file by file', () => {
    it.each(files.filter((f) => f.slice(DIST.length) !== NODE_ONLY).map((f) => [f.slice(DIST.length), f]))(
      '%s imports no Node built-in and uses no Buffer',
      (_, file) => {
        const text = readFileSync(file, 'utf8');
        expect(text).not.toMatch(NODE_IMPORT);
        expect(text).not.toMatch(BUFFER_USE);
      },
    );

    it(`${NODE_ONLY} imports node:buffer, node:crypto, node:http, node:https, node:zlib and no other built-in`, () => {
      const text = readFileSync(join(DIST, NODE_ONLY), 'utf8');
      const builtins = [...text.matchAll(new RegExp(NODE_IMPORT, 'g'))].map((m) => m[1]);
      expect(builtins).toEqual(['node:buffer', 'node:crypto', 'node:http', 'node:https', 'node:zlib']);
      // Its one use of Buffer is the base64 encoder it installs: a view encoded to a string, so no
      // Buffer ever reaches the SDK's callers.
      const uses = text.split('\n').filter((line) => BUFFER_USE.test(line));
      expect(uses.map((line) => line.trim())).toEqual([
        "useNativeBase64((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));",
      ]);
    });
  });

  describe('the package exports', () => {
    const entries = Object.entries(PKG.exports);

    it.each(entries.map(([k, v]) => [k, v.default]))(
      '%s: its default (browser) entry never reaches native-node.js',
      (_, target) => {
        // Follow relative imports from the default entry through the whole module graph.
        const seen = new Set<string>();
        const visit = (file: string) => {
          if (seen.has(file)) return;
          seen.add(file);
          const text = readFileSync(file, 'utf8');
          for (const m of text.matchAll(/(?:from\s*|import\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
            visit(join(file, '..', m[1] as string));
          }
        };
        visit(join(DIST, '..', target));
        expect([...seen].filter((f) => f.endsWith(`/${NODE_ONLY}`))).toEqual([]);
      },
    );

    it.each(
      entries.filter(([, v]) => v.node !== undefined).map(([k, v]) => [k, v.node as string, v.default]),
    )(
      '%s: its node entry installs native crypto and exports the same names as the default entry',
      async (_, node, browser) => {
        const n = await import(join(DIST, '..', node));
        const b = await import(join(DIST, '..', browser));
        expect(Object.keys(n).sort()).toEqual(Object.keys(b).sort());
        const native = await import(join(DIST, 'crypto', 'native.js'));
        expect(native.nativeCrypto()).toBeDefined();
        expect(native.nativeDigest()).toBeTypeOf('function');
        const host = await import(join(DIST, 'tiles', 'host-http.js'));
        expect(host.hostHttpGet()).toBeTypeOf('function');
      },
    );
  });
});

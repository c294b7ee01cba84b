/**
 * The SDK MUST run in browsers: its compiled output may not import Node built-ins nor use Buffer.
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

describe('sdk compiled output', () => {
  const files = jsFiles(DIST);

  it('exists (the build ran)', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  describe('when scanned file by file', () => {
    it.each(files.map((f) => [f.slice(DIST.length), f]))(
      '%s imports no Node built-in and uses no Buffer',
      (_, file) => {
        const text = readFileSync(file, 'utf8');
        expect(text).not.toMatch(NODE_IMPORT);
        expect(text).not.toMatch(BUFFER_USE);
      },
    );
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { generate, OUT_DIR } from '../../../openapi/generate.mjs';

describe('generated API types', () => {
  describe('when openapi/openapi.yaml changed', () => {
    it('packages/server/src/generated is regenerated (run `npm run gen:api`)', async () => {
      const files = (await generate()) as Record<string, string>;
      for (const [name, contents] of Object.entries(files)) {
        expect(await readFile(join(OUT_DIR as string, name), 'utf8'), `${name} is stale`).toBe(contents);
      }
    });
  });
});

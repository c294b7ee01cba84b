/**
 * `npm run gen:api`: generates the server's types and route schemas from openapi/openapi.yaml
 * (OpenAPI 3.0, the source of truth). Outputs, never edited by hand:
 *   packages/server/src/generated/api.ts      openapi-typescript types (paths, components)
 *   packages/server/src/generated/schemas.ts  components.schemas as Fastify shared JSON schemas
 * `generate()` is also used by the staleness test, which fails when the checked-in files differ.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import openapiTS, { astToString } from 'openapi-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_PATH = join(root, 'openapi', 'openapi.yaml');
export const OUT_DIR = join(root, 'packages', 'server', 'src', 'generated');

const HEADER = '// Generated from openapi/openapi.yaml by `npm run gen:api`. Do not edit.\n';

/** Rewrites `#/components/schemas/X` references to Fastify shared-schema references `X#`. */
function toFastifyRefs(value) {
  if (Array.isArray(value)) return value.map(toFastifyRefs);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        out[k] = `${v.slice('#/components/schemas/'.length)}#`;
      } else if (k !== 'example') {
        out[k] = toFastifyRefs(v);
      }
    }
    return out;
  }
  return value;
}

/** Returns the generated files as { [fileName]: contents }. */
export async function generate() {
  const text = await readFile(SPEC_PATH, 'utf8');
  const doc = yaml.load(text);
  const ast = await openapiTS(doc);
  const apiTs = HEADER + astToString(ast);
  const schemas = {};
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    schemas[name] = { $id: name, ...toFastifyRefs(schema) };
  }
  const schemasTs =
    HEADER +
    '/** components.schemas of openapi/openapi.yaml, each with `$id` = its name, refs as `Name#`. */\n' +
    `export const schemas = ${JSON.stringify(schemas, null, 2)} as const;\n`;
  return { 'api.ts': apiTs, 'schemas.ts': schemasTs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await generate();
  await mkdir(OUT_DIR, { recursive: true });
  for (const [name, contents] of Object.entries(files)) {
    await writeFile(join(OUT_DIR, name), contents);
    process.stdout.write(`wrote ${join('packages/server/src/generated', name)}\n`);
  }
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const sdk = await import('@scriba/sdk');
const VECTORS = new URL('../../test/vectors/', import.meta.url).pathname;
const CASES = join(VECTORS, 'sigstore-conformance/test/assets/bundle-verify');
const PROD_ROOT = readFileSync(join(VECTORS, 'public-good/trusted_root.prod.from-sigstore-js-seeds.json'),'utf8');
const IDENTITY='https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER='https://token.actions.githubusercontent.com';
const trust = new Map(); const cases=[];
for (const name of readdirSync(CASES).sort()) {
  const dir = join(CASES, name);
  if (name.endsWith('_fail') || !existsSync(join(dir, 'bundle.sigstore.json'))) continue;
  const rootJson = existsSync(join(dir, 'trusted_root.json')) ? readFileSync(join(dir, 'trusted_root.json'), 'utf8') : PROD_ROOT;
  const keyPem = existsSync(join(dir, 'key.pub')) ? readFileSync(join(dir, 'key.pub'), 'utf8') : undefined;
  if (!trust.has(rootJson)) trust.set(rootJson, sdk.prepareTrustMaterial(rootJson));
  const artifact = new Uint8Array(readFileSync(existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(CASES, 'a.txt')));
  const opts = { trustMaterial: trust.get(rootJson), artifact, ...(keyPem ? { publicKey: sdk.parsePublicKey(keyPem) } : { policy: { subjectAlternativeName: IDENTITY, issuer: ISSUER } }) };
  cases.push({ name, text: readFileSync(join(dir, 'bundle.sigstore.json'), 'utf8'), opts });
}
const ok = [];
for (const c of cases) { try { await sdk.verifyBundle(c.text, c.opts); ok.push(c);} catch(e){ console.error(c.name, e.code);} }
const secs = Number(process.argv[2] ?? 5);
let n=0; const c0=process.cpuUsage(); const t0=performance.now();
while (performance.now()-t0 < secs*1000) { for (const c of ok) await sdk.verifyBundle(c.text, c.opts); n+=ok.length; }
const cu=process.cpuUsage(c0);
console.log(ok.length, 'bundles', (n/((cu.user+cu.system)/1e6)).toFixed(0), 'bundles/CPU-s', (n/((performance.now()-t0)/1000)).toFixed(0),'/s');

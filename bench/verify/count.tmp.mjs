import * as nodeCrypto from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const sdk = await import('@scriba/sdk');
const VECTORS = new URL('../../test/vectors/', import.meta.url).pathname;
const CASES = join(VECTORS, 'sigstore-conformance/test/assets/bundle-verify');
const PROD_ROOT = readFileSync(join(VECTORS, 'public-good/trusted_root.prod.from-sigstore-js-seeds.json'),'utf8');
const IDENTITY='https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER='https://token.actions.githubusercontent.com';
let counts = {};
const bump=(k)=>counts[k]=(counts[k]||0)+1;
const wrapped = { ...nodeCrypto,
  createPublicKey(k){ bump('import'); return nodeCrypto.createPublicKey(k); },
  verify(a,d,k,s){ const ko = k.key ?? k; bump('verify '+(ko.asymmetricKeyDetails?.namedCurve ?? ko.asymmetricKeyType)); return nodeCrypto.verify(a,d,k,s); },
  hash(a,d,e){ bump('hash '+a); return nodeCrypto.hash(a,d,e); },
  createHash(a){ bump('createHash '+a); return nodeCrypto.createHash(a); },
};
for (const name of readdirSync(CASES).sort()) {
  const dir = join(CASES, name);
  if (name.endsWith('_fail') || !existsSync(join(dir, 'bundle.sigstore.json'))) continue;
  const rootJson = existsSync(join(dir, 'trusted_root.json')) ? readFileSync(join(dir, 'trusted_root.json'), 'utf8') : PROD_ROOT;
  const keyPem = existsSync(join(dir, 'key.pub')) ? readFileSync(join(dir, 'key.pub'), 'utf8') : undefined;
  const tm = sdk.prepareTrustMaterial(rootJson);
  const artifact = new Uint8Array(readFileSync(existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(CASES, 'a.txt')));
  const opts = { trustMaterial: tm, artifact, ...(keyPem ? { publicKey: sdk.parsePublicKey(keyPem) } : { policy: { subjectAlternativeName: IDENTITY, issuer: ISSUER } }) };
  const text = readFileSync(join(dir, 'bundle.sigstore.json'), 'utf8');
  try { await sdk.verifyBundle(text, opts);} catch(e){ continue; }
  sdk.useNativeCrypto(wrapped);
  counts = {};
  await sdk.verifyBundle(text, opts);
  const first = counts; counts = {};
  await sdk.verifyBundle(text, opts);
  console.log(name.padEnd(50), JSON.stringify(counts));
  sdk.useNativeCrypto(nodeCrypto);
}

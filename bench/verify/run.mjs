// Benchmark: Sigstore bundles verified per second by @scriba/sdk (its built dist) and by
// @sigstore/verify 4.1.3, on the same bundles — the sigstore-conformance happy paths (every
// non-`_fail` case of ../../test/vectors/sigstore-conformance/test/assets/bundle-verify) — in the
// same process and run. Each iteration parses and verifies one bundle (JSON text in, result out);
// the trust material of each trusted root is prepared once for both verifiers, outside the timing.
//
// Two ways of using the SDK are timed:
// - one bundle at a time (`verifyBundle`, no cache option: the default path). Its only memo is the
//   process-wide one of checkpoint signatures (`defaultCheckpointCache`: a checkpoint is shared by
//   every entry integrated under it, so a verifier meets the same one again); here every pass meets
//   the same 21 checkpoints again, so after the warm-up each costs no key operation. A second row
//   runs the same with `cache: false` (every signature of every bundle checked): a first meeting;
// - as a batch (`verifyBundles` over the whole set, a NEW cache for every pass): bundles that carry
//   the same certificate, SET, checkpoint or timestamp token byte for byte share its checks, and up
//   to 16 bundles are in flight, so the P-384 checks run on libuv's pool beside the main thread.
//   The cache never outlives one pass, so no pass reuses another's work; how much a batch shares
//   depends on its bundles (this set repeats certificates: 19 leaf certificates, 10 distinct).
//   A third SDK row runs the same batch with a cache that holds nothing: what running bundles
//   side by side gives alone.
//
// Also printed: the "crypto floor", the rate a verifier would reach if it did nothing but the
// public-key work a bundle needs (artifact signature, SET, checkpoint, importing the leaf's key,
// leaf certificate, SCT, RFC 3161 CMS signature — counted per bundle from its content), each timed
// here in CPU time with node:crypto on a pre-parsed key. Compare it with the bundles/CPU-s column.
//
// Usage: npm run bench:verify [-- --seconds S --rounds N --json]
// Target (issues 4, 14): Scriba >= 10x @sigstore/verify on its default path in Node.
import * as nodeCrypto from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';

// Under Node, '@scriba/sdk' resolves through the package's `node` export condition to
// dist/node/index.js, which hands node:crypto to the SDK (its default path here); the browser path
// (WebCrypto + @noble) is measured with `useNativeCrypto(undefined)`.
const SDK_ENTRY = import.meta.resolve('@scriba/sdk');
const sdk = await import('@scriba/sdk');
if (!SDK_ENTRY.endsWith('/dist/node/index.js'))
  throw new Error(`@scriba/sdk resolved to ${SDK_ENTRY}, not its node entry`);

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '1.5' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const WINDOW_MS = Number(values.seconds) * 1000;
const ROUNDS = Number(values.rounds);

const VECTORS = new URL('../../test/vectors/', import.meta.url).pathname;
const CASES = join(VECTORS, 'sigstore-conformance/test/assets/bundle-verify');
const PROD_ROOT = readFileSync(
  join(VECTORS, 'public-good/trusted_root.prod.from-sigstore-js-seeds.json'),
  'utf8',
);
const IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

// ---- load the happy paths; prepare trust material once per distinct trusted root, for both sides
const sdkTrust = new Map();
const jsTrust = new Map();
const cases = [];
for (const name of readdirSync(CASES).sort()) {
  const dir = join(CASES, name);
  if (name.endsWith('_fail') || !existsSync(join(dir, 'bundle.sigstore.json'))) continue;
  const rootJson = existsSync(join(dir, 'trusted_root.json'))
    ? readFileSync(join(dir, 'trusted_root.json'), 'utf8')
    : PROD_ROOT;
  const keyPem = existsSync(join(dir, 'key.pub')) ? readFileSync(join(dir, 'key.pub'), 'utf8') : undefined;
  const trustKey = `${rootJson}\u0000${keyPem ?? ''}`;
  if (!sdkTrust.has(trustKey)) {
    sdkTrust.set(trustKey, sdk.prepareTrustMaterial(rootJson));
    const keyObject = keyPem ? nodeCrypto.createPublicKey(keyPem) : undefined;
    jsTrust.set(
      trustKey,
      toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(rootJson)), (hint) => {
        if (!keyObject) throw new Error(`no key for ${hint}`);
        return { publicKey: keyObject, validFor: () => true };
      }),
    );
  }
  const artifact = readFileSync(
    existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(CASES, 'a.txt'),
  );
  cases.push({
    name,
    text: readFileSync(join(dir, 'bundle.sigstore.json'), 'utf8'),
    artifact: new Uint8Array(artifact),
    artifactBuffer: artifact,
    keyPem,
    // The caller's key, parsed once like the trust material (as a CLI or service would hold it).
    sdkKey: keyPem ? sdk.parsePublicKey(keyPem) : undefined,
    sdkTrust: sdkTrust.get(trustKey),
    jsVerifier: new Verifier(jsTrust.get(trustKey)),
  });
}

function sdkOptions(c) {
  return {
    trustMaterial: c.sdkTrust,
    artifact: c.artifact,
    ...(c.keyPem
      ? { publicKey: c.sdkKey }
      : { policy: { subjectAlternativeName: IDENTITY, issuer: ISSUER } }),
  };
}
const verifySdk = (c) => sdk.verifyBundle(c.text, sdkOptions(c));
const verifySdkNoMemo = (c) => sdk.verifyBundle(c.text, { ...sdkOptions(c), cache: false });
const verifyJs = (c) => {
  const bundle = bundleFromJSON(JSON.parse(c.text));
  const entity = toSignedEntity(bundle, c.artifactBuffer);
  return c.keyPem
    ? c.jsVerifier.verify(entity)
    : c.jsVerifier.verify(entity, { subjectAlternativeName: IDENTITY, extensions: { issuer: ISSUER } });
};

// ---- both must accept every bundle before anything is timed
const usable = [];
for (const c of cases) {
  let sdkOk = true;
  let jsOk = true;
  try {
    await verifySdk(c);
  } catch (e) {
    sdkOk = false;
    console.error(`scriba refused ${c.name}: ${e.code ?? ''} ${e.message}`);
  }
  try {
    verifyJs(c);
  } catch (e) {
    jsOk = false;
    console.error(`@sigstore/verify refused ${c.name}: ${e.code ?? ''} ${e.message}`);
  }
  if (sdkOk && jsOk) usable.push(c);
}

// ---- the crypto floor: signature checks per bundle, each timed with node:crypto
// Each op is named by the bytes it checks, so a batch's floor counts each distinct op once.
const b64 = (b) => Buffer.from(b).toString('base64');
function opsOf(c) {
  const b = sdk.parseBundle(c.text);
  const ops = [];
  const entryOps = (e) => {
    const v2 = e.version === '0.0.2';
    if (e.signedEntryTimestamp) ops.push(['p256', `set:${b64(e.signedEntryTimestamp)}`]);
    if (e.inclusionProof) ops.push([v2 ? 'ed25519' : 'p256', `checkpoint:${e.inclusionProof.checkpoint}`]);
  };
  // the artifact / DSSE signature (Fulcio and the managed keys here are P-256)
  const sig = b.content.kind === 'messageSignature' ? b.content.signature : b.content.signatures[0].sig;
  ops.push(['p256', `signature:${b64(sig)}:${b64(c.artifact)}`]);
  for (const e of b.tlogEntries) entryOps(e);
  // A certificate's key must be imported once (it is new in every bundle); then the leaf is checked
  // by its issuer (P-384 intermediates here) and one SCT (P-256).
  const vm = b.verificationMaterial;
  if (vm.kind !== 'publicKey') {
    const leaf = b64(vm.kind === 'certificate' ? vm.certificate : vm.certificates[0]);
    ops.push(['import', `import:${leaf}`], ['p384', `issuer:${leaf}`], ['p256', `sct:${leaf}`]);
  }
  // TSA CMS signature (P-384 TSAs)
  for (const t of b.rfc3161Timestamps) ops.push(['p384', `tsa:${b64(t)}`]);
  return ops;
}
function timeOp(kind) {
  const msg = nodeCrypto.randomBytes(256);
  if (kind === 'import') {
    // As the SDK imports a P-256 key: JWK, OpenSSL 3's cheapest way in (its SPKI decoder costs ~1.6x).
    const { publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const c0 = process.cpuUsage();
    for (let i = 0; i < 2000; i++) nodeCrypto.createPublicKey({ key: jwk, format: 'jwk' });
    const cu = process.cpuUsage(c0);
    return (cu.user + cu.system) / 1000 / 2000;
  }
  const { privateKey, publicKey } =
    kind === 'ed25519'
      ? nodeCrypto.generateKeyPairSync('ed25519')
      : nodeCrypto.generateKeyPairSync('ec', { namedCurve: kind === 'p384' ? 'P-384' : 'P-256' });
  const alg = kind === 'ed25519' ? null : kind === 'p384' ? 'sha384' : 'sha256';
  const sig = nodeCrypto.sign(alg, msg, privateKey);
  const n = 2000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) nodeCrypto.verify(alg, msg, publicKey, sig);
  const cu = process.cpuUsage(c0);
  return (cu.user + cu.system) / 1000 / n; // CPU ms per verification
}
const opMs = {
  p256: timeOp('p256'),
  p384: timeOp('p384'),
  ed25519: timeOp('ed25519'),
  import: timeOp('import'),
};
const allOps = usable.flatMap(opsOf);
const floorMsPerBundle = allOps.reduce((t, [k]) => t + opMs[k], 0) / usable.length;
const distinctOps = [...new Map(allOps.map(([k, id]) => [id, k])).values()];
const batchFloorMsPerBundle = distinctOps.reduce((t, k) => t + opMs[k], 0) / usable.length;

// One pass over the whole set as a batch, with a new cache (verifyBundles makes one per call).
const batchItems = () => usable.map((c) => ({ bundle: c.text, options: sdkOptions(c) }));
// The same batch with a cache that holds nothing: bundles in flight together, but no sharing.
const noCache = () => new sdk.VerificationCache({ maxEntries: 0 });
async function verifyBatch({ share = true } = {}) {
  const out = await sdk.verifyBundles(batchItems(), share ? {} : { cache: noCache() });
  const bad = out.find((o) => !o.ok);
  if (bad) throw bad.error;
}

// ---- timing: interleaved rounds, each verifier runs the whole set repeatedly for a window
async function rate(fn, { batch = false, share = true } = {}) {
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < WINDOW_MS) {
    if (batch) await verifyBatch({ share });
    else for (const c of usable) await fn(c);
    n += usable.length;
  }
  const wall = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  return { perSec: n / wall, perCpuSec: n / ((cu.user + cu.system) / 1e6) };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Warm-up (JIT, key caches of the trust material) for every configuration, outside the timing.
// The node entry already installed node:crypto; `useNativeCrypto(nodeCrypto)` restores exactly that.
for (let i = 0; i < 3; i++) {
  for (const c of usable) {
    await verifySdk(c);
    await verifySdkNoMemo(c);
    sdk.useNativeCrypto(undefined);
    await verifySdk(c);
    sdk.useNativeCrypto(nodeCrypto);
    verifyJs(c);
  }
  await verifyBatch();
  await verifyBatch({ share: false });
}

const rows = {
  scribaWebCrypto: [],
  scribaNative: [],
  scribaNativeNoMemo: [],
  scribaBatch: [],
  scribaBatchNoShare: [],
  sigstore: [],
};
for (let r = 0; r < ROUNDS; r++) {
  rows.scribaNative.push(await rate(verifySdk));
  rows.scribaNativeNoMemo.push(await rate(verifySdkNoMemo));
  rows.scribaBatch.push(await rate(null, { batch: true }));
  rows.scribaBatchNoShare.push(await rate(null, { batch: true, share: false }));
  sdk.useNativeCrypto(undefined);
  rows.scribaWebCrypto.push(await rate(verifySdk));
  sdk.useNativeCrypto(nodeCrypto);
  rows.sigstore.push(await rate(verifyJs));
}
const summary = Object.fromEntries(
  Object.entries(rows).map(([k, v]) => [
    k,
    { perSec: median(v.map((x) => x.perSec)), perCpuSec: median(v.map((x) => x.perCpuSec)) },
  ]),
);
const floor = 1000 / floorMsPerBundle;
const out = {
  bundles: usable.length,
  skipped: cases.length - usable.length,
  rounds: ROUNDS,
  windowMs: WINDOW_MS,
  loadavg: loadavg()[0],
  sigstoreVerify: summary.sigstore,
  scribaWebCrypto: summary.scribaWebCrypto,
  scribaNative: summary.scribaNative,
  scribaNativeNoMemo: summary.scribaNativeNoMemo,
  scribaBatch: summary.scribaBatch,
  scribaBatchNoShare: summary.scribaBatchNoShare,
  ratioWebCrypto: summary.scribaWebCrypto.perCpuSec / summary.sigstore.perCpuSec,
  ratioNative: summary.scribaNative.perCpuSec / summary.sigstore.perCpuSec,
  ratioNativeWall: summary.scribaNative.perSec / summary.sigstore.perSec,
  ratioNativeNoMemo: summary.scribaNativeNoMemo.perCpuSec / summary.sigstore.perCpuSec,
  ratioBatch: summary.scribaBatch.perCpuSec / summary.sigstore.perCpuSec,
  ratioBatchWall: summary.scribaBatch.perSec / summary.sigstore.perSec,
  cryptoFloorPerSec: floor,
  batchCryptoFloorPerSec: 1000 / batchFloorMsPerBundle,
  signatureOpsPerBundle: allOps.length / usable.length,
  distinctOpsPerBundle: distinctOps.length / usable.length,
  opMs,
};
if (values.json) {
  console.log(JSON.stringify(out, null, 2));
} else {
  const f = (x) => x.toFixed(0).padStart(9);
  const r = (x) => `${x.toFixed(1)}x`.padStart(9);
  const row = (name, v, wall, cpu) => console.log(`| ${name.padEnd(44)} | ${v} | ${wall} | ${cpu} |`);
  const s = summary.sigstore;
  console.log(
    `bench/verify: ${usable.length} conformance happy-path bundles (parse + verify per iteration), ` +
      `${ROUNDS} interleaved rounds x ${WINDOW_MS} ms, medians; load ${out.loadavg.toFixed(2)}`,
  );
  row('verifier', 'bundles/s | bundles/CPU-s', ' vs peer ', ' vs peer (CPU)');
  row('-'.repeat(40), '----------|--------------', '---------', '--------------');
  for (const [name, v] of [
    ['@sigstore/verify 4.1.3', s],
    ['@scriba/sdk, Node default (node:crypto)', summary.scribaNative],
    ['@scriba/sdk, Node default, cache: false', summary.scribaNativeNoMemo],
    ['@scriba/sdk, Node default, as a batch', summary.scribaBatch],
    ['@scriba/sdk, as a batch, cache off', summary.scribaBatchNoShare],
    ['@scriba/sdk, browser path (WebCrypto)', summary.scribaWebCrypto],
  ]) {
    row(
      name,
      `${f(v.perSec)} | ${f(v.perCpuSec).padStart(12)}`,
      r(v.perSec / s.perSec),
      r(v.perCpuSec / s.perCpuSec).padStart(14),
    );
  }
  row(
    `crypto floor (${out.signatureOpsPerBundle.toFixed(1)} key ops/bundle)`,
    `${''.padStart(9)} | ${f(floor).padStart(12)}`,
    ''.padStart(9),
    `no memo ${((summary.scribaNativeNoMemo.perCpuSec / floor) * 100).toFixed(0)}% of it`.padStart(14),
  );
  row(
    `batch floor (${out.distinctOpsPerBundle.toFixed(1)} distinct ops/bundle)`,
    `${''.padStart(9)} | ${f(out.batchCryptoFloorPerSec).padStart(12)}`,
    ''.padStart(9),
    `batch ${((summary.scribaBatch.perCpuSec / out.batchCryptoFloorPerSec) * 100).toFixed(0)}% of it`.padStart(
      14,
    ),
  );
  console.log(
    `node:crypto CPU ms/op: verify P-256 ${opMs.p256.toFixed(3)}, P-384 ${opMs.p384.toFixed(3)}, Ed25519 ${opMs.ed25519.toFixed(3)}; key import ${opMs.import.toFixed(3)}`,
  );
  console.log(
    'bundles/s is wall clock (WebCrypto runs every check on its thread pool, the Node default its P-384 checks); ' +
      "bundles/CPU-s divides by this process's CPU time (all threads); the crypto floor is one core's.",
  );
}

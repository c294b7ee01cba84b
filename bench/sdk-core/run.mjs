// Benchmark of the @scriba/sdk core (its built dist): inclusion-proof verification at tree size
// 2^40, and checkpoint (signed-note) verification for ECDSA P-256 and Ed25519, each beside the same
// signature verification done directly with node:crypto in the same run.
//
// Usage: npm run build && node bench/sdk-core/run.mjs [--rounds N] [--window MS] [--json]
// Targets (issue 2): note verification >= 80% of the raw node:crypto rate; inclusion >= 100,000/s.
//
// The machine is shared, so every comparison is interleaved: each round runs the SDK figure and
// its node:crypto baseline back to back in short windows, and the table shows medians over rounds
// (the ratio column is the median of per-round ratios, which cancels load drift between rounds).
import * as nodeCrypto from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    window: { type: 'string', default: '250' },
    json: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const WINDOW_MS = Number(values.window);

const sdk = await import('@scriba/sdk');
const note = await import('@scriba/sdk/note');
let merkle;
try {
  merkle = await import('@scriba/sdk/merkle');
} catch {
  merkle = undefined;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Ops/s of `fn` (sync or async; awaited one at a time) over one window. */
async function windowRate(fn, isAsync) {
  const deadline = performance.now() + WINDOW_MS;
  let n = 0;
  const t0 = performance.now();
  if (isAsync) {
    while (performance.now() < deadline) {
      for (let i = 0; i < 16; i++) await fn();
      n += 16;
    }
  } else {
    while (performance.now() < deadline) {
      for (let i = 0; i < 64; i++) fn();
      n += 64;
    }
  }
  return (n * 1000) / (performance.now() - t0);
}

/** Interleaves the candidates round by round; returns median rates and median ratios to the first. */
async function compare(cands) {
  for (const c of cands) for (let i = 0; i < 100; i++) await c.fn(); // warm-up
  const rates = cands.map(() => []);
  const ratios = cands.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const round = [];
    for (const c of cands) round.push(await windowRate(c.fn, c.async));
    round.forEach((x, i) => {
      rates[i].push(x);
      ratios[i].push(x / round[0]);
    });
  }
  return cands.map((c, i) => ({ name: c.name, rate: median(rates[i]), ratio: median(ratios[i]) }));
}

const rows = [];

// --- Inclusion proofs at 2^40 -------------------------------------------------------------------
if (merkle?.verifyInclusion && merkle?.rootFromInclusionProof && merkle?.hashLeaf) {
  const size = 2 ** 40;
  const index = 0x9876543210 % size;
  const leafHash = merkle.hashLeaf(new Uint8Array(nodeCrypto.randomBytes(100)));
  const proof = Array.from({ length: 40 }, () => new Uint8Array(nodeCrypto.randomBytes(32)));
  const root = merkle.rootFromInclusionProof(index, size, leafHash, proof);
  merkle.verifyInclusion(index, size, leafHash, proof, root);
  const [r] = await compare([
    { name: 'incl', fn: () => merkle.verifyInclusion(index, size, leafHash, proof, root) },
  ]);
  rows.push({
    what: 'inclusion proof verify, size 2^40 (40 hashes)',
    sdk: r.rate,
    target: '>= 100,000/s',
    ok: r.rate >= 100_000,
  });
} else {
  rows.push({ what: 'inclusion proof verify, size 2^40', target: 'merkle module not built', ok: false });
}

// --- Checkpoints -----------------------------------------------------------------------------------
const NAME = 'bench.scriba.example/log';
const body = note.formatCheckpoint({
  origin: NAME,
  size: 123456789,
  rootHash: new Uint8Array(nodeCrypto.randomBytes(32)),
  extensions: [],
});
const bodyBytes = new TextEncoder().encode(body);

async function checkpointCase(label, signer, vkey, rawVerify) {
  const signed = await note.signNote(body, [signer]);
  const sig = note.parseNote(signed).signatures[0].signature;
  const webVerifiers = [note.parseVerifierKey(vkey)];
  const nativeVerifiers = [note.parseVerifierKey(vkey)];
  sdk.useNativeCrypto(undefined);
  if ((await note.verifyNote(signed, webVerifiers)).verified.length !== 1)
    throw new Error('setup: note did not verify');
  if (!rawVerify(bodyBytes, sig)) throw new Error('setup: node:crypto did not verify');
  const web = () => {
    sdk.useNativeCrypto(undefined);
    return note.verifyNote(signed, webVerifiers);
  };
  const nat = () => {
    sdk.useNativeCrypto(nodeCrypto);
    return note.verifyNote(signed, nativeVerifiers);
  };
  const webConcurrent = async () => {
    sdk.useNativeCrypto(undefined);
    await Promise.all(Array.from({ length: 16 }, () => note.verifyNote(signed, webVerifiers)));
  };
  const [raw, n, w, wc] = await compare([
    { name: 'raw', fn: () => rawVerify(bodyBytes, sig) },
    { name: 'native', fn: nat, async: true },
    { name: 'webcrypto', fn: web, async: true },
    { name: 'webcrypto16', fn: webConcurrent, async: true },
  ]);
  sdk.useNativeCrypto(undefined);
  rows.push({ what: `${label}: node:crypto verify (baseline)`, sdk: undefined, raw: raw.rate });
  rows.push({
    what: `${label}: verifyNote, node:crypto injected`,
    sdk: n.rate,
    raw: raw.rate,
    ratio: n.ratio,
    target: '>= 80% of raw',
    ok: n.ratio >= 0.8,
  });
  rows.push({
    what: `${label}: verifyNote, WebCrypto (default)`,
    sdk: w.rate,
    raw: raw.rate,
    ratio: w.ratio,
    target: '>= 80% of raw',
    ok: w.ratio >= 0.8,
  });
  rows.push({
    what: `${label}: verifyNote, WebCrypto, 16 in flight`,
    sdk: wc.rate * 16,
    raw: raw.rate,
    ratio: wc.ratio * 16,
    target: '(throughput)',
  });
}

{
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const signer = await note.ecdsaP256Signer(NAME, pkcs8);
  const keyObject = nodeCrypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
  await checkpointCase('ECDSA P-256', signer, note.formatVerifierKey(NAME, 2, spki), (m, s) =>
    nodeCrypto.verify('sha256', m, keyObject, s),
  );
}
{
  const signer = note.ed25519Signer(NAME, new Uint8Array(nodeCrypto.randomBytes(32)));
  const keyObject = nodeCrypto.createPublicKey({
    key: sdk.ed25519PublicKeyFromRaw(signer.publicKey).spki,
    format: 'der',
    type: 'spki',
  });
  await checkpointCase('Ed25519', signer, note.formatVerifierKey(NAME, 1, signer.publicKey), (m, s) =>
    nodeCrypto.verify(null, m, keyObject, s),
  );
}

// --- Output ---------------------------------------------------------------------------------------
const fmt = (n) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
if (values.json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const header = ['benchmark', 'sdk ops/s', 'node:crypto ops/s', 'ratio', 'target', 'met'];
  const table = rows.map((r) => [
    r.what,
    fmt(r.sdk),
    fmt(r.raw),
    r.ratio === undefined ? '-' : `${(100 * r.ratio).toFixed(0)}%`,
    r.target ?? '',
    r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(
    `sdk-core — node ${process.version}, ${nodeCrypto.getHashes ? '' : ''}${ROUNDS} interleaved rounds of ${WINDOW_MS} ms, medians`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(row));
}

// Benchmark of the @scriba/sdk core (its built dist): inclusion-proof verification at tree size
// 2^40, and checkpoint (signed-note) verification for ECDSA P-256 and Ed25519, each beside the same
// signature verification done directly with node:crypto in the same run.
//
// Usage: npm run bench:sdk-core [-- --rounds N --window MS --json]
// Targets (issue 2): note verification >= 80% of the raw node:crypto rate; inclusion >= 100,000/s.
//
// The machine may be shared, so every comparison is interleaved: each round runs the SDK figure
// and its node:crypto baseline back to back in short windows, and the table shows medians over
// rounds. Two figures per row: operations per wall-clock second, and operations per CPU-second of
// this process (process.cpuUsage counts every thread, so WebCrypto's thread-pool work is included).
// On a loaded machine the wall-clock figures fall with the CPU share this process gets; the
// per-CPU-second figures, and the ratios built from them (used for the targets), much less so.
import * as nodeCrypto from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '11' },
    window: { type: 'string', default: '150' },
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

/** Ops per wall second and per CPU second of `fn` (sync, or async awaited one at a time) over one window. */
async function windowRate(fn, isAsync) {
  const deadline = performance.now() + WINDOW_MS;
  let n = 0;
  const c0 = process.cpuUsage();
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
  const wall = (n * 1000) / (performance.now() - t0);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (n * 1e6) / Math.max(1, c.user + c.system) };
}

/** Interleaves the candidates round by round; medians of each figure and of per-round CPU ratios to the first. */
async function compare(cands) {
  for (const c of cands) for (let i = 0; i < 100; i++) await c.fn(); // warm-up: JIT, key caches
  const wall = cands.map(() => []);
  const cpu = cands.map(() => []);
  const ratio = cands.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const round = [];
    for (const c of cands) round.push(await windowRate(c.fn, c.async));
    round.forEach((x, i) => {
      wall[i].push(x.wall);
      cpu[i].push(x.cpu);
      ratio[i].push(x.cpu / round[0].cpu);
    });
  }
  return cands.map((_, i) => ({ wall: median(wall[i]), cpu: median(cpu[i]), ratio: median(ratio[i]) }));
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
  const [r] = await compare([{ fn: () => merkle.verifyInclusion(index, size, leafHash, proof, root) }]);
  rows.push({
    what: 'inclusion proof verify, size 2^40 (40 hashes)',
    wall: r.wall,
    cpu: r.cpu,
    target: '>= 100,000/s',
    ok: r.cpu >= 100_000,
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
  // Separate verifier objects per backend so each keeps its own cached key.
  const webVerifiers = [note.parseVerifierKey(vkey)];
  const nativeVerifiers = [note.parseVerifierKey(vkey)];
  sdk.useNativeCrypto(undefined);
  if ((await note.verifyNote(signed, webVerifiers)).verified.length !== 1)
    throw new Error('setup: note did not verify');
  if (!rawVerify(bodyBytes, sig)) throw new Error('setup: node:crypto did not verify');
  const [raw, nat, web, web16] = await compare([
    { fn: () => rawVerify(bodyBytes, sig) },
    {
      async: true,
      fn: () => {
        sdk.useNativeCrypto(nodeCrypto);
        return note.verifyNote(signed, nativeVerifiers);
      },
    },
    {
      async: true,
      fn: () => {
        sdk.useNativeCrypto(undefined);
        return note.verifyNote(signed, webVerifiers);
      },
    },
    {
      async: true,
      fn: () => {
        sdk.useNativeCrypto(undefined);
        return Promise.all(Array.from({ length: 16 }, () => note.verifyNote(signed, webVerifiers)));
      },
    },
  ]);
  sdk.useNativeCrypto(undefined);
  const target = '>= 80% of raw';
  rows.push({ what: `${label}: node:crypto.verify (baseline)`, wall: raw.wall, cpu: raw.cpu });
  rows.push({ what: `${label}: verifyNote, browser path (WebCrypto)`, ...web, target, ok: web.ratio >= 0.8 });
  rows.push({
    what: `${label}: verifyNote, Node default (node:crypto)`,
    ...nat,
    target,
    ok: nat.ratio >= 0.8,
  });
  rows.push({
    what: `${label}: verifyNote, browser path, 16 in flight`,
    wall: web16.wall * 16,
    cpu: web16.cpu * 16,
    ratio: web16.ratio * 16,
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

// --- Monitor catch-up core: entries from C2SP entry bundles onto a compact range ------------------
// What `scriba monitor` does per entry once the bundles are fetched (TileClient.entries over an
// in-memory tile source, hashLeaf, CompactRange.append), beside node:crypto hashing the same leaves
// (createHash + 0x00 + body, one core). Target (issue 14): >= 0.8 x the leaf-hash rate.
{
  sdk.useNativeCrypto(nodeCrypto); // the Node default (the note rows above switch it off)
  const tilesClient = await import('@scriba/sdk/tiles/client');
  const tiles = await import('@scriba/sdk/tiles');
  const COUNT = 256 * 16;
  const KEY_B64 = nodeCrypto.randomBytes(120).toString('base64');
  const bodies = Array.from({ length: COUNT }, () =>
    new TextEncoder().encode(
      JSON.stringify({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: nodeCrypto.randomBytes(32).toString('hex') } },
          signature: {
            content: nodeCrypto.randomBytes(72).toString('base64'),
            publicKey: { content: KEY_B64 },
          },
        },
      }),
    ),
  );
  const files = new Map();
  for (let n = 0; n < COUNT / 256; n++) {
    files.set(tiles.entryBundlePath(n, 256), tiles.encodeEntryBundle(bodies.slice(n * 256, (n + 1) * 256)));
  }
  const client = new tilesClient.TileClient({ get: async (p) => files.get(p) });
  const prefix = Buffer.from([0]);
  const [raw, sdkRate] = await compare([
    {
      fn: () => {
        for (const b of bodies) nodeCrypto.createHash('sha256').update(prefix).update(b).digest();
      },
    },
    {
      async: true,
      fn: async () => {
        const range = merkle.CompactRange.empty();
        for await (const { data } of client.entries(0, COUNT, COUNT)) range.append(merkle.hashLeaf(data));
        range.root();
      },
    },
  ]);
  rows.push({
    what: `leaf hashes (node:crypto createHash, ${bodies[0].length}-byte bodies, baseline)`,
    wall: raw.wall * COUNT,
    cpu: raw.cpu * COUNT,
  });
  rows.push({
    what: 'monitor catch-up core: entry bundles -> hashLeaf -> CompactRange (in memory)',
    wall: sdkRate.wall * COUNT,
    cpu: sdkRate.cpu * COUNT,
    ratio: sdkRate.ratio,
    target: '>= 80% of raw',
    ok: sdkRate.ratio >= 0.8,
  });
}

// --- The append batch's integrator ------------------------------------------------------------------
// What a server's append batch runs once the batch's indices are known: `integrate` over batches of
// 21 leaves (bench:append's mean batch) on a tree of ~2.4 x 10^5 leaves, given the tree's compact
// range from the batch before (what the sequencer carries), beside the same batches folding the
// stored right-edge tiles for the root instead (what a first batch, or one after another process
// appended, does). Leaves per second; the ratio is to the folding path.
{
  const tiles = await import('@scriba/sdk/tiles');
  const leaf = () => new Uint8Array(nodeCrypto.randomBytes(32));
  let base = { newSize: 0, edge: [], range: undefined };
  while (base.newSize < 240_000)
    base = tiles.integrate(base.newSize, base.edge, Array.from({ length: 4096 }, leaf));
  const BATCH = 21;
  const batches = Array.from({ length: 64 }, () => Array.from({ length: BATCH }, leaf));
  const run = (carry) => {
    let t = base;
    return () => {
      for (const b of batches) t = tiles.integrate(t.newSize, t.edge, b, carry ? t.range : undefined);
      if (t.newSize > 1_000_000) t = base; // the same tree sizes in every window
    };
  };
  const [folded, carried] = await compare([{ fn: run(false) }, { fn: run(true) }]);
  const leaves = batches.length * BATCH;
  rows.push({
    what: `integrate, batches of ${BATCH}, folding the stored right edge (baseline)`,
    wall: folded.wall * leaves,
    cpu: folded.cpu * leaves,
  });
  rows.push({
    what: `integrate, batches of ${BATCH}, the compact range carried (the sequencer)`,
    wall: carried.wall * leaves,
    cpu: carried.cpu * leaves,
    ratio: carried.ratio,
  });
}

// --- The append batch's proofs --------------------------------------------------------------------
// What a server answers each appended entry with: its inclusion proof at the batch's new size.
// Baseline: built from tiles (buildInclusionProof with a node cache, the batch's tiles in memory), as
// the server did before; beside it the integrator's AppendedProofs (from the compact range before
// the batch and its leaves). 64 batches of 21 on a tree of ~2.4 x 10^5 leaves, each batch's proofs
// from a fresh AppendedProofs and the tile path with one cache per pass (its full tiles cached
// after the first batch). Proofs per second; the ratio is to the tile path.
{
  const tiles = await import('@scriba/sdk/tiles');
  const leaf = () => new Uint8Array(nodeCrypto.randomBytes(32));
  const stored = new Map();
  const keep = (r) => {
    for (const t of r.changed) stored.set(tiles.tileKey(t.level, t.index), t.hashes);
    return r;
  };
  let t = { newSize: 0, edge: [], range: undefined };
  while (t.newSize < 240_000)
    t = keep(tiles.integrate(t.newSize, t.edge, Array.from({ length: 4096 }, leaf)));
  const BATCH = 21;
  const batches = [];
  for (let b = 0; b < 64; b++) {
    const before = t.range;
    const leaves = Array.from({ length: BATCH }, leaf);
    t = keep(tiles.integrate(t.newSize, t.edge, leaves, t.range));
    batches.push({ before, leaves, oldSize: t.newSize - BATCH, size: t.newSize });
  }
  const getTiles = async (keys) => {
    const out = new Map();
    for (const k of keys) {
      const key = tiles.tileKey(k.level, k.index);
      if (stored.has(key)) out.set(key, stored.get(key));
    }
    return out;
  };
  const fromTiles = async () => {
    const cache = new tiles.TileNodeCache();
    for (const b of batches)
      for (let i = b.oldSize; i < b.size; i++) await tiles.buildInclusionProof(i, b.size, getTiles, cache);
  };
  const fromRange = () => {
    for (const b of batches) {
      const proofs = new merkle.AppendedProofs(b.before, b.leaves);
      for (let i = b.oldSize; i < b.size; i++) proofs.proof(i);
    }
  };
  const [tiled, appended] = await compare([{ fn: fromTiles, async: true }, { fn: fromRange }]);
  const proofs = batches.length * BATCH;
  rows.push({
    what: `append answers' inclusion proofs, batches of ${BATCH}: from tiles (baseline)`,
    wall: tiled.wall * proofs,
    cpu: tiled.cpu * proofs,
  });
  rows.push({
    what: `append answers' inclusion proofs, batches of ${BATCH}: AppendedProofs (the sequencer)`,
    wall: appended.wall * proofs,
    cpu: appended.cpu * proofs,
    ratio: appended.ratio,
  });
}

// --- Encodings ------------------------------------------------------------------------------------
// The SDK's hex and base64 encoders beside node:buffer's, as the server uses them: the text goes
// into an answer whose UTF-8 length is taken (a string of many small pieces costs there). The server
// renders hashes and bodies with the SDK's, so under Node they must keep up with node:buffer's.
// base64: the portable encoder (browsers) and the Node default (node:buffer's, installed by the
// SDK's Node entries); hex: one portable encoder.
{
  const encoding = await import('@scriba/sdk/encoding');
  const hashes = Array.from({ length: 64 }, () => new Uint8Array(nodeCrypto.randomBytes(32)));
  const bodies = Array.from({ length: 64 }, () => new Uint8Array(nodeCrypto.randomBytes(200)));
  const buf = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const answer = (encode, xs) => () => {
    let n = 0;
    for (const x of xs) n += Buffer.byteLength(`"${encode(x)}"`);
    return n;
  };
  const nodeBase64 = (b) => buf(b).toString('base64');
  const portable = (encode) => (b) => {
    encoding.useNativeBase64(undefined);
    try {
      return encode(b);
    } finally {
      encoding.useNativeBase64(nodeBase64);
    }
  };
  for (const [label, xs, nodeEncode, candidates] of [
    ['hex of 32-byte hashes', hashes, (b) => buf(b).toString('hex'), [['', encoding.hexEncode]]],
    [
      'base64 of 200-byte bodies',
      bodies,
      nodeBase64,
      [
        [', portable (browsers)', portable(encoding.base64Encode)],
        [', Node default', encoding.base64Encode],
      ],
    ],
  ]) {
    const rates = await compare([
      { fn: answer(nodeEncode, xs) },
      ...candidates.map(([, e]) => ({ fn: answer(e, xs) })),
    ]);
    rows.push({
      what: `${label}: node:buffer (baseline)`,
      wall: rates[0].wall * xs.length,
      cpu: rates[0].cpu * xs.length,
    });
    candidates.forEach(([which], k) => {
      const r = rates[k + 1];
      rows.push({
        what: `${label}: the SDK's encoder${which}`,
        wall: r.wall * xs.length,
        cpu: r.cpu * xs.length,
        ratio: r.ratio,
        ...(which.includes('browsers') ? {} : { target: '>= 80% of raw', ok: r.ratio >= 0.8 }),
      });
    });
  }
}

// --- Output ---------------------------------------------------------------------------------------
const fmt = (n) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
if (values.json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const header = ['benchmark', 'ops/s (wall)', 'ops/CPU-s', 'ratio to raw', 'target', 'met'];
  const table = rows.map((r) => [
    r.what,
    fmt(r.wall),
    fmt(r.cpu),
    r.ratio === undefined ? '-' : `${(100 * r.ratio).toFixed(0)}%`,
    r.target ?? '',
    r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(
    `sdk-core — node ${process.version}; ${ROUNDS} interleaved rounds of ${WINDOW_MS} ms, medians; ` +
      `ratio = per-CPU-second rate / node:crypto's; load average ${load}`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(row));
}

/**
 * Append load for the HTTP benchmarks (bench/append, bench/growth): pre-signed hashedrekord 0.0.1
 * proposed entries (ECDSA P-256, distinct random artifacts) and a raw keep-alive HTTP/1.1 client
 * that posts them to `POST /api/v1/log/entries`, one request in flight per connection.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';

/** `n` P-256 signing keys: `{ privateKey, pemB64 }` (PEM of the SPKI, base64, as Rekor takes it). */
export function signingKeys(n) {
  return Array.from({ length: n }, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return {
      privateKey,
      pemB64: Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })).toString('base64'),
    };
  });
}

/** `count` proposed entries as JSON text, entry i signed by keys[i % keys.length]. */
export function presign(count, keys) {
  const bodies = [];
  for (let i = 0; i < count; i++) {
    const k = keys[i % keys.length];
    const artifact = randomBytes(32);
    const digest = createHash('sha256').update(artifact).digest('hex');
    const signature = sign('sha256', artifact, k.privateKey).toString('base64');
    bodies.push(
      JSON.stringify({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: digest } },
          signature: { content: signature, publicKey: { content: k.pemB64 } },
        },
      }),
    );
  }
  return bodies;
}

/**
 * The default load client (`--client raw`): one keep-alive TCP connection per client writing a
 * pre-serialized HTTP/1.1 request (head + body in one buffer) and reading the answer's status line
 * and Content-Length. It does what node:http's client does for this load at a fraction of the CPU,
 * which matters because the clients share the machine's two cores with the server and PostgreSQL
 * (`--client http` keeps the node:http Agent client for comparison).
 */
export function rawConnection(port) {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  let buf = Buffer.alloc(0);
  let pending = null;
  let dead = false;
  const fail = () => {
    dead = true;
    if (pending) {
      const p = pending;
      pending = null;
      p(0);
    }
  };
  sock.on('error', fail);
  sock.on('close', fail);
  sock.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    if (!pending) return;
    const headEnd = buf.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = buf.toString('latin1', 0, headEnd);
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!m) return sock.destroy(); // chunked answers are not expected from this route
    const end = headEnd + 4 + Number(m[1]);
    if (buf.length < end) return;
    buf = buf.subarray(end);
    const p = pending;
    pending = null;
    p(Number(head.slice(9, 12)));
  });
  return {
    get dead() {
      return dead;
    },
    request(bytes) {
      return new Promise((resolve) => {
        if (dead) return resolve(0);
        pending = resolve;
        sock.write(bytes);
      });
    },
    close: () => sock.destroy(),
  };
}

export function requestBytes(port, body) {
  const b = Buffer.from(body);
  return Buffer.concat([
    Buffer.from(
      `POST /api/v1/log/entries HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${b.length}\r\n\r\n`,
      'latin1',
    ),
    b,
  ]);
}

export function summarize(clients, lat, statuses, elapsed, exhausted, { drain = false } = {}) {
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
  if (exhausted && !drain)
    process.stderr.write('warning: the pool of pre-signed entries ran out; raise --pool\n');
  return { clients, ok: lat.length, perSec: lat.length / elapsed, p50: q(0.5), p99: q(0.99), statuses };
}

/** Posts `bodies` (request bytes) for `seconds`; `drain`: posting them all is the point (no warning). */
export async function loadRaw(port, clients, seconds, bodies, { drain = false } = {}) {
  let next = 0;
  let exhausted = false;
  const lat = [];
  const statuses = {};
  const conns = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      let conn = rawConnection(port);
      conns.push(conn);
      while (performance.now() < end) {
        if (next >= bodies.length) {
          exhausted = true;
          break;
        }
        if (conn.dead) {
          conn = rawConnection(port);
          conns.push(conn);
        }
        const t0 = performance.now();
        const status = await conn.request(bodies[next++]);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 201) lat.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const c of conns) c.close();
  return summarize(clients, lat, statuses, elapsed, exhausted, { drain });
}

/**
 * One POST /api/v1/log/entries over node:http through `agent`: resolves with the status (0 when no
 * answer came) and the latency in ms; with `timeoutMs`, a request left unanswered that long is cut.
 */
export function postEntry(agent, port, body, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/log/entries',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
      },
    );
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end(body);
  });
}

/**
 * Grows the log behind `port` by `n` entries over HTTP before a measurement, exactly as clients
 * would (`clients` connections, pre-signed in chunks so memory stays bounded). Returns
 * `{ appended, refused, seconds }`.
 */
export async function preloadOverHttp(port, n, clients, keys, chunk = 50_000) {
  const t0 = performance.now();
  let appended = 0;
  let refused = 0;
  while (appended + refused < n) {
    const bodies = presign(Math.min(chunk, n - appended - refused), keys).map((b) => requestBytes(port, b));
    const r = await loadRaw(port, clients, 1e9, bodies, { drain: true });
    appended += r.ok;
    refused += bodies.length - r.ok;
    process.stderr.write(`preloaded ${appended} entries (${refused} not 201)\r`);
  }
  process.stderr.write('\n');
  return { appended, refused, seconds: (performance.now() - t0) / 1000 };
}

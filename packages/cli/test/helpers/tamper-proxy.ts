/**
 * A small HTTP proxy in front of a real log for negative tests: it forwards every request and lets
 * the test rewrite JSON and text answers (e.g. alter one hash of an inclusion or consistency proof),
 * so a command must notice that the log's answer does not verify.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Tamper = (
  req: { method: string; path: string },
  body: string,
  contentType: string,
) => string | undefined;

export type TamperProxy = { url: string; tampered: () => number; close(): Promise<void> };

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * `answer`, when given, is asked first: a status and body it returns are sent instead of forwarding
 * (e.g. a 404 for resources a log without them would not serve).
 */
export async function startTamperProxy(
  target: string,
  tamper: Tamper,
  answer?: (req: { method: string; path: string }) => { status: number; body: string } | undefined,
): Promise<TamperProxy> {
  let count = 0;
  const server = createServer(async (req, res) => {
    try {
      const own = answer?.({ method: req.method ?? 'GET', path: req.url ?? '/' });
      if (own) {
        count++;
        res.writeHead(own.status, { 'content-type': 'text/plain' }).end(own.body);
        return;
      }
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'accept']) if (req.headers[h]) headers[h] = String(req.headers[h]);
      const r = await fetch(`${target}${req.url}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
        redirect: 'manual',
      });
      const ct = r.headers.get('content-type') ?? '';
      let out = Buffer.from(await r.arrayBuffer());
      if (/json|text/.test(ct)) {
        const changed = tamper(
          { method: req.method ?? 'GET', path: req.url ?? '/' },
          out.toString('utf8'),
          ct,
        );
        if (changed !== undefined) {
          count++;
          out = Buffer.from(changed);
        }
      }
      const h: Record<string, string> = { 'content-type': ct };
      for (const name of ['location', 'x-log-index']) {
        const v = r.headers.get(name);
        if (v) h[name] = v;
      }
      res.writeHead(r.status, h).end(out);
    } catch (e) {
      res.writeHead(502).end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tampered: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Changes one character of a hex or base64 string (so it still parses, but means another hash). */
export function flip(s: string): string {
  const c = s[0] === 'a' ? 'b' : 'a';
  return c + s.slice(1);
}

/** Rewrites the first hash of every non-empty `hashes` array in a JSON text (proofs). */
export function alterProofHashes(body: string): string | undefined {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o)) {
        if (k === 'hashes' && Array.isArray(x) && typeof x[0] === 'string') {
          o[k] = [flip(x[0]), ...x.slice(1)];
          changed = true;
        } else o[k] = walk(x);
      }
      return o;
    }
    return v;
  };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const out = JSON.stringify(walk(json));
  return changed ? out : undefined;
}

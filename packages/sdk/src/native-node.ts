/**
 * Node.js only: hands the host's native parts to the SDK once. `node:crypto` (crypto/native.ts), so
 * signature checks and SHA-2 digests run in OpenSSL; node:buffer's base64 encoder (encoding.ts);
 * and an HTTP GET over `node:http`/`node:https`
 * for the tile client (tiles/host-http.ts), which costs a third of the CPU of Node's `fetch` per
 * entry bundle. Loaded by the `node` export condition of package.json through the small entries in
 * ./node/; the default (browser) entries never import it. This is the one file of the SDK that
 * imports Node built-ins (test/isomorphic.test.ts enforces that).
 */
import { Buffer } from 'node:buffer';
import * as nodeCrypto from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { type NativeCryptoModule, useNativeCrypto } from './crypto/native.js';
import { useNativeBase64 } from './encoding.js';
import { type HostHttpResponse, useHostHttp } from './tiles/host-http.js';

useNativeCrypto(nodeCrypto as unknown as NativeCryptoModule);
useNativeBase64((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));

const MAX_REDIRECTS = 20; // as WHATWG fetch
const MAX_PRESIZE = 64 * 2 ** 20; // a declared length larger than this is not allocated up front

/**
 * GET over the global keep-alive agents (idle sockets do not hold the process open). Follows
 * redirects; a gzip-encoded answer (sent although the caller asked for identity) is decoded.
 */
function nodeGet(url: string, headers: Record<string, string>, timeoutMs: number): Promise<HostHttpResponse> {
  // One timer for the whole GET, redirects included (a plain timer: an AbortSignal per request
  // costs more than the rest of the request's JavaScript).
  let current: http.ClientRequest | undefined;
  const timer = setTimeout(() => current?.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const once = (target: URL, hops: number): Promise<HostHttpResponse> =>
    new Promise((resolve, reject) => {
      const mod = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
      if (mod === undefined) {
        reject(new TypeError(`unsupported URL scheme ${target.protocol}`));
        return;
      }
      const req = mod.get(target, { headers }, (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && status !== 304 && location !== undefined) {
          res.resume();
          if (hops >= MAX_REDIRECTS) reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
          else once(new URL(location, target), hops + 1).then(resolve, reject);
          return;
        }
        // With a Content-Length, chunks are copied into one buffer as they arrive (no second copy).
        const declared = Number(res.headers['content-length']);
        const sized = Number.isSafeInteger(declared) && declared >= 0 && declared <= MAX_PRESIZE;
        let buf = new Uint8Array(sized ? declared : 0);
        let length = 0;
        res.on('data', (c: Uint8Array) => {
          if (length + c.length > buf.length) {
            const grown = new Uint8Array(Math.max(length + c.length, 2 * buf.length));
            grown.set(buf.subarray(0, length));
            buf = grown;
          }
          buf.set(c, length);
          length += c.length;
        });
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error('the connection closed before the whole answer arrived'));
        });
        res.on('end', () => {
          let body = buf.subarray(0, length);
          try {
            if (/^\s*(x-)?gzip\s*$/i.test(res.headers['content-encoding'] ?? '')) body = gunzipSync(body);
          } catch (e) {
            reject(e);
            return;
          }
          resolve({ status, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) });
        });
      });
      current = req;
      req.on('error', reject);
    });
  return once(new URL(url), 0).finally(() => clearTimeout(timer));
}

useHostHttp(nodeGet);

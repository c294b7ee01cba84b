/**
 * Optional host HTTP GET for the tile client (C2SP tlog-tiles reads), injected like the native
 * crypto backend (../crypto/native.ts): the SDK's default entry uses WHATWG `fetch`; under Node the
 * `node` export condition loads ../native-node.ts, which installs a GET over `node:http`/`node:https`
 * (keep-alive). Catching up on a log is a stream of ~150 KiB entry bundles, and Node's `fetch`
 * (undici, WHATWG streams) spends about three times the CPU per response byte of `node:http`,
 * more than hashing the entries costs (bench/monitor).
 */

/** A GET's outcome: status and the whole (decoded) body. Redirects are followed by the host. */
export type HostHttpResponse = { status: number; body: Uint8Array };

/** GET `url` with `headers`; rejects on network failure or after `timeoutMs` in total. */
export type HostHttpGet = (
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<HostHttpResponse>;

let hostGet: HostHttpGet | undefined;

/** Installs (or, with `undefined`, removes) the host's GET; `httpTileSource` prefers it to `fetch`. */
export function useHostHttp(get: HostHttpGet | undefined): void {
  hostGet = get;
}

/** The installed host GET, if any. */
export function hostHttpGet(): HostHttpGet | undefined {
  return hostGet;
}

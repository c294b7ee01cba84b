/**
 * HTTP for the `scriba` commands: every request goes through `request`, so a log that cannot be
 * reached is reported as one line with the URL and the cause (`connect ECONNREFUSED 127.0.0.1:3000`,
 * not node's bare `fetch failed`), and an HTTP error with the URL, status and the log's message.
 */
import { envLogUrl } from './env.js';
import { CliError } from './output.js';

/** The log a command talks to when no --url is given: SCRIBA_URL, else http://127.0.0.1:3000. */
export function defaultLogUrl(): string {
  return envLogUrl() ?? 'http://127.0.0.1:3000';
}

/** A log URL without trailing slashes or an `/api/v1` or `/api/v2` suffix (how log URLs compare). */
export function normalizeLogUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api\/v[12]$/, '');
}

/** The log's base URL without a trailing slash or API suffix (a usage error unless http(s)). */
export function logBase(url: string): string {
  const base = normalizeLogUrl(url);
  try {
    const u = new URL(base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new CliError(2, 'USAGE', `--url ${url}: not an http(s) URL`);
  }
  return base;
}

/** The cause of a failed fetch, as one short phrase. */
export function causeOf(e: unknown): string {
  let c: unknown = e;
  // undici wraps the socket error: TypeError('fetch failed', { cause: Error('connect ECONNREFUSED ...') })
  while (c instanceof Error && c.cause instanceof Error) c = c.cause;
  const err = c as NodeJS.ErrnoException;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  return err?.message || err?.code || String(c);
}

export type HttpOptions = {
  method?: string;
  body?: string | Uint8Array;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
};

/** Sends a request; network failures throw LOG_UNREACHABLE (exit 2). Answers are returned as they are. */
export async function request(url: string, opts: HttpOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (opts.contentType) headers['content-type'] = opts.contentType;
  if (opts.accept) headers.accept = opts.accept;
  try {
    return await fetch(url, {
      method: opts.method ?? 'GET',
      headers,
      ...(opts.body !== undefined
        ? { body: typeof opts.body === 'string' ? opts.body : Buffer.from(opts.body) }
        : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      redirect: 'follow',
    });
  } catch (e) {
    throw new CliError(2, 'LOG_UNREACHABLE', `cannot reach ${url}: ${causeOf(e)}`);
  }
}

/** The log's error message in an error answer (JSON `message`, else the text), one line. */
function errorText(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown };
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Throws HTTP_ERROR (exit 1) unless the answer is 2xx; `NOT_FOUND` for 404. */
export async function checkOk(url: string, r: Response): Promise<void> {
  if (r.ok) return;
  const text = await r.text().catch(() => '');
  throw new CliError(
    1,
    r.status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR',
    `${url}: HTTP ${r.status}: ${errorText(text)}`,
  );
}

/** GET/POST and parse a JSON answer (LOG_ANSWER_INVALID when it is not JSON). */
export async function requestJson(url: string, opts: HttpOptions = {}): Promise<unknown> {
  const r = await request(url, { accept: 'application/json', ...opts });
  await checkOk(url, r);
  const text = await r.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: the answer is not JSON`);
  }
}

export function postJson(url: string, body: unknown): Promise<unknown> {
  return requestJson(url, { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' });
}

/** GET a text answer. */
export async function getText(url: string): Promise<string> {
  const r = await request(url);
  await checkOk(url, r);
  return r.text();
}

/** GET/POST binary. */
export async function requestBytes(url: string, opts: HttpOptions = {}): Promise<Uint8Array> {
  const r = await request(url, opts);
  await checkOk(url, r);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * The read lane: the two reads clients and monitors make most, Rekor v1's
 *   GET /api/v1/log/entries?logIndex=N             (entry, inclusion proof, SET)
 *   GET /api/v1/log/proof?firstSize=M&lastSize=N    (consistency proof)
 * answered on the HTTP server's request event, ahead of Fastify's router, hooks and reply (issue 14:
 * 0.91x the server and PostgreSQL CPU per entry read at 10^4, 0.96x at 10^7, docs/benchmarks.md).
 * The lane holds no answer of its own: the body is what the route's answer function writes
 * (entries.ts, log.ts), sent with the headers the route sends (JSON type, CORS, keep-alive as Node
 * has it).
 *
 * It answers only a 200, and only a request of exactly those shapes (GET, decimal sizes of at most
 * 15 digits, nothing else in the query). Every other request goes to Fastify untouched, as do those
 * it cannot answer 200 (no entry at N, sizes the log cannot prove, the database unavailable): Fastify
 * then reads again and answers as the route does (a read has no effect to repeat). It is off while
 * requests are logged at debug (Fastify's request log) and while the server shuts down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORS_HEADERS } from './cors.js';
import { JSON_TYPE } from './json-text.js';
import type { EntryByIndexAnswer } from './v1/entries.js';
import type { ConsistencyAnswer } from './v1/log.js';

const ENTRY_BY_INDEX = /^\/api\/v1\/log\/entries\?logIndex=(\d{1,15})$/;
const CONSISTENCY = /^\/api\/v1\/log\/proof\?firstSize=(\d{1,15})&lastSize=(\d{1,15})$/;

export type ReadLaneOptions = {
  entryByIndex: EntryByIndexAnswer;
  consistency: ConsistencyAnswer;
  /** True once shutdown began: requests go to Fastify (which closes each answered connection). */
  shuttingDown: () => boolean;
  /** A connection's idle limit (ms), set back once a request is answered (as app.ts's hooks do). */
  idleMs: number;
  /** Counts the answers the lane sent (scriba_read_lane_answers_total). */
  answered: () => void;
};

export class ReadLane {
  /** Off while requests are logged at debug (set by app.ts once Fastify's logger exists). */
  enabled = true;

  constructor(private readonly opts: ReadLaneOptions) {}

  /**
   * Takes `req` when it is one of the lane's reads (true: the lane answers it, or hands it to
   * `fallback` if it cannot answer 200); false: the caller hands it to Fastify now.
   */
  take(
    req: IncomingMessage,
    res: ServerResponse,
    fallback: (req: IncomingMessage, res: ServerResponse) => void,
  ): boolean {
    if (!this.enabled || req.method !== 'GET' || this.opts.shuttingDown()) return false;
    const url = req.url ?? '';
    let answer: Promise<string | undefined>;
    let m = ENTRY_BY_INDEX.exec(url);
    if (m) answer = this.opts.entryByIndex(Number(m[1]));
    else {
      m = CONSISTENCY.exec(url);
      if (!m) return false;
      answer = this.opts.consistency(Number(m[1]), Number(m[2]), undefined);
    }
    // No idle limit while the answer waits on the database (statement timeouts bound that).
    req.socket.setTimeout(0);
    answer.then(
      (json) => (json === undefined ? fallback(req, res) : this.send(req, res, json)),
      () => fallback(req, res),
    );
    return true;
  }

  private send(req: IncomingMessage, res: ServerResponse, json: string): void {
    res.writeHead(200, {
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(json),
      ...CORS_HEADERS,
      ...(this.opts.shuttingDown() ? { connection: 'close' } : {}),
    });
    res.end(json);
    if (!req.socket.destroyed) req.socket.setTimeout(this.opts.idleMs);
    this.opts.answered();
  }
}

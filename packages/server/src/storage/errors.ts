/**
 * Database errors, classified by PostgreSQL SQLSTATE (PostgreSQL manual, Appendix A "PostgreSQL Error
 * Codes"): whose fault it is decides the HTTP answer.
 *  - class 22 (data exception) and 23 (integrity constraint violation): the request carried a value
 *    the database refuses -> the client's error (4xx), logged without a stack trace;
 *  - class 08 (connection exception), 53 (insufficient resources), 57 (operator intervention, e.g.
 *    admin shutdown or statement timeout), 58 (system error), 40001/40P01 (serialization failure,
 *    deadlock), 55P03 (lock not available), 28 and 3D (a connection refused for its credentials or
 *    database, e.g. dropped or rotated under a running server), and a connection lost or timed out in
 *    the driver (no SQLSTATE): the database is unavailable right now -> 503 with Retry-After;
 *  - anything else (e.g. class 42, a bug in our SQL): the server's fault -> 500.
 */

/** The driver lost or could not get a connection, or a wait timed out (no SQLSTATE from the server). */
export class DbUnavailableError extends Error {
  readonly code = 'DB_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbUnavailableError';
  }
}

export type DbErrorClass = 'client' | 'unavailable' | 'internal';

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Node socket errors that mean the database cannot be reached. */
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The SQLSTATE of a PostgreSQL error (pg's DatabaseError carries `code` and `severity`). */
export function sqlState(e: unknown): string | undefined {
  const x = e as { code?: unknown; severity?: unknown } | null;
  if (x === null || typeof x !== 'object') return undefined;
  return typeof x.code === 'string' && SQLSTATE.test(x.code) && x.severity !== undefined ? x.code : undefined;
}

/** Classifies an error thrown by a database call; undefined when it does not come from the database. */
export function classifyDbError(e: unknown): DbErrorClass | undefined {
  if (e instanceof DbUnavailableError) return 'unavailable';
  const state = sqlState(e);
  if (state !== undefined) {
    const cls = state.slice(0, 2);
    if (cls === '22' || cls === '23') return 'client';
    if (['08', '53', '57', '58', '28', '3D'].includes(cls)) return 'unavailable';
    if (state === '40001' || state === '40P01' || state === '55P03') return 'unavailable';
    return 'internal';
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NET_CODES.has(code)) return 'unavailable';
  return undefined;
}

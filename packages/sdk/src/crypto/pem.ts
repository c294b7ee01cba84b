/**
 * PEM (RFC 7468 textual encoding): strict-enough decoding of one labelled block, and encoding with
 * 64-column lines. Whitespace inside the base64 body is ignored as RFC 7468 §3 allows; anything
 * else malformed throws INVALID_PEM.
 */
import { base64Decode, base64Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/;

/** One decoded PEM block: its label and DER bytes. */
export type PemBlock = { label: string; der: Uint8Array };

/**
 * Decodes the first PEM block in `text`. When `label` is given the block MUST carry that label.
 * Throws INVALID_PEM when there is no well-formed block.
 */
export function pemDecode(text: string, label?: string): PemBlock {
  if (typeof text !== 'string') throw new ScribaError('INVALID_PEM', 'PEM: not a string');
  const m = BLOCK.exec(text);
  if (!m) throw new ScribaError('INVALID_PEM', 'PEM: no BEGIN/END block');
  const [, begin, body, end] = m as unknown as [string, string, string, string];
  if (begin !== end) throw new ScribaError('INVALID_PEM', 'PEM: BEGIN and END labels differ');
  if (label !== undefined && begin !== label) {
    throw new ScribaError('INVALID_PEM', `PEM: expected ${label}, got ${begin}`);
  }
  if (/:/.test(body)) throw new ScribaError('INVALID_PEM', 'PEM: encapsulated headers are not supported');
  const b64 = body.replace(/[ \t\r\n]/g, '');
  let der: Uint8Array;
  try {
    der = base64Decode(b64);
  } catch (cause) {
    throw new ScribaError('INVALID_PEM', 'PEM: invalid base64 body', { cause });
  }
  if (der.length === 0) throw new ScribaError('INVALID_PEM', 'PEM: empty body');
  return { label: begin, der };
}

/** Encodes DER bytes as a PEM block with the given label (64-column lines, trailing newline). */
export function pemEncode(der: Uint8Array, label: string): string {
  const b64 = base64Encode(der);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${label}-----\n`;
}

/**
 * Decodes every PEM block in `text`, in order (a certificate chain file). When `label` is given every
 * block MUST carry it. Throws INVALID_PEM when there is no block or one is malformed.
 */
export function pemDecodeAll(text: string, label?: string): PemBlock[] {
  if (typeof text !== 'string') throw new ScribaError('INVALID_PEM', 'PEM: not a string');
  const out: PemBlock[] = [];
  const all = new RegExp(BLOCK.source, 'g');
  for (const m of text.matchAll(all)) out.push(pemDecode(m[0], label));
  if (out.length === 0) throw new ScribaError('INVALID_PEM', 'PEM: no BEGIN/END block');
  return out;
}

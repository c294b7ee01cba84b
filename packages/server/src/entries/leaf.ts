/**
 * RFC 6962 §2.1 leaf hash, SHA-256(0x00 || body), with node's OpenSSL (the SDK's `hashLeaf` is the
 * isomorphic reference; tests assert both agree).
 */
import { createHash } from 'node:crypto';

const LEAF_PREFIX = new Uint8Array([0]);

export function leafHashOf(body: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(LEAF_PREFIX).update(body).digest());
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

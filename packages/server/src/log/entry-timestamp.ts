/**
 * The signed entry timestamp (SET, Rekor v1's "inclusion promise"): an ECDSA signature with the key
 * of the entry's shard over the RFC 8785 JSON of {body (base64), integratedTime, logID (hex),
 * logIndex (global)}, DER-encoded, as sigstore verifiers check it (the SDK's
 * verify/signed-entry-timestamp.ts is the verifying side). The one home of what a SET signs: the
 * sequencer signs each entry's SET when its batch is integrated (stored with the entry), the v1 view
 * signs the SET of an entry stored without one (rows from before sql/0006) when it is read.
 */
import { sign } from 'node:crypto';
import { base64Encode } from '@scriba/sdk/encoding';
import type { LogKey } from '../keys/logKey.js';

/**
 * RFC 8785 JSON of the SET payload. Written out directly rather than through a generic canonicalizer
 * (it runs once per appended entry): the members are already in RFC 8785 order (UTF-16 code units:
 * body < integratedTime < logID < logIndex), the strings are base64 and lower-case hex (nothing to
 * escape) and the numbers are safe non-negative integers, which RFC 8785 prints as plain decimals.
 * test/entry-view.test.ts checks it against the SDK's canonicalJson.
 */
export function setPayload(
  bodyB64: string,
  integratedTime: number,
  logIdHex: string,
  logIndex: number,
): string {
  return `{"body":"${bodyB64}","integratedTime":${integratedTime},"logID":"${logIdHex}","logIndex":${logIndex}}`;
}

/** What a SET covers: the entry's body, when it was integrated, and its global index. */
export type SetContent = { body: Uint8Array; integratedTime: number; logIndex: number };

/** The SET of `c` signed with `key` (DER), synchronously: the append batch signs its entries. */
export function signEntryTimestamp(key: LogKey, c: SetContent, bodyB64 = base64Encode(c.body)): Uint8Array {
  const payload = setPayload(bodyB64, c.integratedTime, key.logIdHex, c.logIndex);
  return new Uint8Array(sign('sha256', Buffer.from(payload, 'latin1'), key.privateKey));
}

/**
 * The SET of `c` signed with `key` (DER) through libuv's thread pool (node:crypto's callback form),
 * so a read signing the SET of an older row does so beside the event loop instead of on it.
 */
export function signEntryTimestampAsync(
  key: LogKey,
  c: SetContent,
  bodyB64 = base64Encode(c.body),
): Promise<Uint8Array> {
  const payload = setPayload(bodyB64, c.integratedTime, key.logIdHex, c.logIndex);
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(payload, 'latin1'), key.privateKey, (err, sig) => {
      if (err) reject(err);
      else resolve(new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength));
    });
  });
}

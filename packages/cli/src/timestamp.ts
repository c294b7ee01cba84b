/**
 * RFC 3161 timestamps from a log's timestamp authority (sigstore/timestamp-authority API:
 * `POST /api/v1/timestamp`, body a DER TimeStampReq (`application/timestamp-query`), answer a DER
 * TimeStampResp (`application/timestamp-reply`)). The message imprint is the SHA-256 of the
 * signature, as Sigstore bundles require; the answer is read with the SDK (`parseTimestamp`) and
 * checked to carry that imprint before it goes into a bundle.
 */
import { randomBytes } from 'node:crypto';
import { bytesEqual, encodeTimeStampRequest, parseTimestamp, sha256 } from '@scriba/sdk';
import { requestBytes } from './http.js';
import { CliError } from './output.js';

/** Timestamps `signature` with the TSA at `base`; returns the DER TimeStampResp. */
export async function fetchTimestamp(base: string, signature: Uint8Array): Promise<Uint8Array> {
  const digest = sha256(signature);
  const body = encodeTimeStampRequest({ algorithm: 'sha256', digest, nonce: new Uint8Array(randomBytes(8)) });
  const url = `${base}/api/v1/timestamp`;
  const der = await requestBytes(url, {
    method: 'POST',
    body,
    contentType: 'application/timestamp-query',
    accept: 'application/timestamp-reply',
  });
  let parsed: ReturnType<typeof parseTimestamp>;
  try {
    parsed = parseTimestamp(der);
  } catch (e) {
    throw new CliError(1, 'TIMESTAMP_MALFORMED', `${url}: ${(e as Error).message}`);
  }
  if (parsed.imprintAlgorithm !== 'sha256' || !bytesEqual(parsed.imprint, digest)) {
    throw new CliError(
      1,
      'TIMESTAMP_MESSAGE_IMPRINT_MISMATCH',
      `${url}: the timestamp is not over this signature`,
    );
  }
  return der;
}

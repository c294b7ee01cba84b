/**
 * Reading what the user names on the command line: files (one-line errors naming the file and the
 * cause), `--digest ALG:HEX` values, artifacts hashed as a stream, positive integer flags.
 */
import * as nodeCrypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type HashAlgorithm, hexDecode } from '@scriba/sdk';
import { CliError, fileError, usageError } from './output.js';

/** The bytes of a file (INPUT_UNREADABLE, exit 2, naming `what` and the path). */
export async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw fileError(`cannot read ${what}`, path, e);
  }
}

/** The digest of a file, read as a stream. */
export async function hashFile(path: string, algorithm: HashAlgorithm): Promise<Uint8Array> {
  const h = nodeCrypto.createHash(algorithm);
  try {
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  } catch (e) {
    throw fileError('cannot read artifact', path, e);
  }
  return new Uint8Array(h.digest());
}

const DIGEST_LENGTH: Record<HashAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** `sha256:HEX` (or sha384:/sha512:) with the full digest. */
export function parseDigestArg(
  s: string,
  flag = '--digest',
): { algorithm: HashAlgorithm; digest: Uint8Array } {
  const m = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/.exec(s);
  if (!m || m[2]?.length !== DIGEST_LENGTH[m[1] as HashAlgorithm]) {
    throw new CliError(2, 'USAGE', `${flag} must be sha256:HEX (or sha384:/sha512:) with the full digest`);
  }
  return { algorithm: m[1] as HashAlgorithm, digest: hexDecode((m[2] as string).toLowerCase()) };
}

/** A non-negative integer flag value. */
export function intArg(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(v)) throw usageError(`${flag} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

/**
 * A Rekor v1/v2 client for the `scriba` commands, checking every answer with the SDK before anyone
 * prints or keeps it:
 *  - a v1 LogEntry: its UUID is the leaf hash of its body, its signed entry timestamp (SET) verifies
 *    with the log's key, its inclusion proof leads to the root of a checkpoint signed by that key
 *    (SDK `verifySignedEntryTimestamp`, `verifyInclusionProof`);
 *  - a checkpoint (signed note, C2SP tlog-checkpoint) verifies with the log's key, and with the
 *    required witnesses' cosignatures when asked (SDK `verifyCheckpointNote`);
 *  - a consistency proof (RFC 9162 §2.1.4) between two verified roots (`checkConsistency`).
 */
import {
  hashLeaf,
  hexDecode,
  hexEncode,
  type NoteVerifier,
  parseVerifierKey,
  type TransparencyLogEntry,
  tlogEntryFromRekorV1,
  verifyConsistency,
} from '@scriba/sdk';
import {
  findTrustedLog,
  type TrustMaterial,
  VerificationError,
  verifyInclusionProof,
  verifySignedEntryTimestamp,
  type WitnessPolicy,
} from '@scriba/sdk/verify';
import { postJson, request, requestJson } from './http.js';
import { CliError } from './output.js';

/** A v1 LogEntry as the log answers `{uuid: value}`. */
export type RekorV1Answer = { uuid: string; value: unknown };

export type CheckedEntry = RekorV1Answer & {
  entry: TransparencyLogEntry;
  checkpointSize: number;
  witnesses: string[];
};

/** The one `{uuid: value}` pair of a LogEntry answer. */
export function singleEntry(url: string, json: unknown): RekorV1Answer {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || Object.keys(json).length !== 1) {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: expected one LogEntry`);
  }
  const [uuid, value] = Object.entries(json)[0] as [string, unknown];
  return { uuid, value };
}

/** Verifies a v1 LogEntry completely (UUID, SET, inclusion proof, checkpoint, witnesses). */
export async function verifyRekorV1Entry(
  answer: RekorV1Answer,
  trust: TrustMaterial,
  witnesses?: WitnessPolicy,
): Promise<CheckedEntry> {
  const entry = tlogEntryFromRekorV1(answer.value);
  const leaf = hexEncode(hashLeaf(entry.canonicalizedBody));
  if (!/^[0-9a-f]{64}([0-9a-f]{16})?$/i.test(answer.uuid) || !answer.uuid.toLowerCase().endsWith(leaf)) {
    throw new VerificationError(
      'TLOG_ENTRY_MALFORMED',
      `entry UUID ${answer.uuid} is not the leaf hash of its body (${leaf})`,
    );
  }
  const log = findTrustedLog(entry, trust);
  if (!entry.signedEntryTimestamp)
    throw new VerificationError('TLOG_SET_INVALID', 'the entry has no signed entry timestamp');
  await verifySignedEntryTimestamp(entry, log.key);
  if (!entry.inclusionProof)
    throw new VerificationError('TLOG_INCLUSION_PROOF_INVALID', 'the entry has no inclusion proof');
  const proven = await verifyInclusionProof(entry, log.key, witnesses);
  return { ...answer, entry, checkpointSize: proven.checkpoint.size, witnesses: proven.witnesses };
}

/** GET /api/v1/log/entries?logIndex=N, checked to be that index. */
export async function getEntryByIndex(base: string, index: number): Promise<RekorV1Answer> {
  const url = `${base}/api/v1/log/entries?logIndex=${index}`;
  const a = singleEntry(url, await requestJson(url));
  const got = (a.value as { logIndex?: unknown })?.logIndex;
  if (got !== index)
    throw new VerificationError(
      'TLOG_PROOF_INDEX_MISMATCH',
      `${url}: asked for entry ${index}, got ${String(got)}`,
    );
  return a;
}

/** GET /api/v1/log/entries/{uuid}, checked to be that UUID's leaf. */
export async function getEntryByUuid(base: string, uuid: string): Promise<RekorV1Answer> {
  if (!/^([0-9a-fA-F]{16})?[0-9a-fA-F]{64}$/.test(uuid)) {
    throw new CliError(2, 'USAGE', `--uuid ${uuid}: expected 64 or 80 hex digits`);
  }
  const url = `${base}/api/v1/log/entries/${uuid}`;
  const a = singleEntry(url, await requestJson(url));
  if (a.uuid.slice(-64).toLowerCase() !== uuid.slice(-64).toLowerCase()) {
    throw new VerificationError('TLOG_ENTRY_MALFORMED', `${url}: asked for ${uuid}, got ${a.uuid}`);
  }
  return a;
}

/** The entry with `uuid`, else the one at `index` (`--uuid U | --log-index N`). */
export function getEntry(
  base: string,
  uuid: string | undefined,
  index: number | undefined,
): Promise<RekorV1Answer> {
  return uuid !== undefined ? getEntryByUuid(base, uuid) : getEntryByIndex(base, index as number);
}

/** POST /api/v1/index/retrieve: UUIDs matching a SearchIndex query. */
export async function searchIndex(base: string, query: Record<string, unknown>): Promise<string[]> {
  const url = `${base}/api/v1/index/retrieve`;
  const json = await postJson(url, query);
  if (!Array.isArray(json) || !json.every((u) => typeof u === 'string')) {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: expected an array of UUIDs`);
  }
  return json as string[];
}

/** POST /api/v1/log/entries/retrieve by UUIDs (in chunks), one answer per UUID found. */
export async function retrieveEntries(base: string, uuids: string[]): Promise<RekorV1Answer[]> {
  const url = `${base}/api/v1/log/entries/retrieve`;
  const out: RekorV1Answer[] = [];
  for (let i = 0; i < uuids.length; i += 10) {
    const json = await postJson(url, { entryUUIDs: uuids.slice(i, i + 10) });
    if (!Array.isArray(json)) throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: expected an array`);
    for (const e of json) out.push(singleEntry(url, e));
  }
  return out;
}

/** POST a v1 proposed entry; a duplicate (409) fetches the existing entry. */
export async function postV1Entry(
  base: string,
  proposed: unknown,
): Promise<{ answer: RekorV1Answer; created: boolean }> {
  const url = `${base}/api/v1/log/entries`;
  const r = await request(url, {
    method: 'POST',
    body: JSON.stringify(proposed),
    contentType: 'application/json',
  });
  if (r.status === 409 && r.headers.get('location')) {
    const loc = new URL(r.headers.get('location') as string, `${base}/`).toString();
    return { answer: singleEntry(loc, await requestJson(loc)), created: false };
  }
  const text = await r.text();
  if (!r.ok) throw new CliError(1, 'LOG_REFUSED', `${url}: HTTP ${r.status}: ${oneLine(text)}`);
  try {
    return { answer: singleEntry(url, JSON.parse(text)), created: true };
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: the answer is not JSON`);
  }
}

/** POST a v2 CreateEntryRequest; the protobuf-JSON TransparencyLogEntry answer (409: LOG_DUPLICATE). */
export async function postV2Entry(base: string, req: unknown): Promise<unknown> {
  const url = `${base}/api/v2/log/entries`;
  const r = await request(url, {
    method: 'POST',
    body: JSON.stringify(req),
    contentType: 'application/json',
  });
  const text = await r.text();
  if (r.status === 409) {
    throw new CliError(
      1,
      'LOG_DUPLICATE',
      `${url}: already logged at index ${r.headers.get('x-log-index') ?? '?'} (Rekor v2 does not return existing entries; the signature is randomized, so sign again)`,
    );
  }
  if (!r.ok) throw new CliError(1, 'LOG_REFUSED', `${url}: HTTP ${r.status}: ${oneLine(text)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: the answer is not JSON`);
  }
}

function oneLine(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown };
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** A consistency proof as the log served it (GET /api/v1/log/proof), hex decoded. */
export type ConsistencyAnswer = { url: string; rootHash: Uint8Array | undefined; hashes: Uint8Array[] };

/**
 * GET /api/v1/log/proof?firstSize=A&lastSize=B: its hashes (each 32 bytes of hex, else
 * LOG_ANSWER_INVALID) and its rootHash (undefined when it is not 32 bytes of hex).
 */
export async function getConsistencyProof(
  base: string,
  first: number,
  last: number,
): Promise<ConsistencyAnswer> {
  const url = `${base}/api/v1/log/proof?firstSize=${first}&lastSize=${last}`;
  const p = (await requestJson(url)) as { rootHash?: unknown; hashes?: unknown };
  const hex = (h: unknown): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/i.test(h);
  if (!Array.isArray(p.hashes) || !p.hashes.every(hex)) {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: malformed consistency proof`);
  }
  return {
    url,
    rootHash: hex(p.rootHash) ? hexDecode(p.rootHash.toLowerCase()) : undefined,
    hashes: (p.hashes as string[]).map((h) => hexDecode(h.toLowerCase())),
  };
}

/**
 * Checks (RFC 9162 §2.1.4.2, SDK `verifyConsistency`) that `proof` leads from `rootA` (size `a`)
 * to `rootB` (size `b`); else CONSISTENCY_PROOF_INVALID, saying `what` failed and why.
 */
export function checkConsistency(
  proof: ConsistencyAnswer,
  a: number,
  b: number,
  rootA: Uint8Array,
  rootB: Uint8Array,
  what = `the proof from ${a} to ${b} does not verify`,
): void {
  try {
    verifyConsistency(a, b, proof.hashes, rootA, rootB);
  } catch (e) {
    throw new CliError(1, 'CONSISTENCY_PROOF_INVALID', `${proof.url}: ${what}: ${(e as Error).message}`);
  }
}

/** Witness note verifiers from `--witness VKEY` values, with the required count. */
export async function witnessPolicy(
  vkeys: string[],
  threshold: number | undefined,
): Promise<WitnessPolicy | undefined> {
  if (threshold === undefined || threshold === 0) {
    if (vkeys.length > 0 && threshold === undefined)
      return { verifiers: await parseVkeys(vkeys), threshold: vkeys.length };
    return undefined;
  }
  if (vkeys.length < threshold) {
    throw new CliError(
      2,
      'USAGE',
      `--require-witnesses ${threshold} needs at least ${threshold} --witness keys`,
    );
  }
  return { verifiers: await parseVkeys(vkeys), threshold };
}

async function parseVkeys(vkeys: string[]): Promise<NoteVerifier[]> {
  const out: NoteVerifier[] = [];
  for (const v of vkeys) {
    try {
      out.push(await parseVerifierKey(v.trim()));
    } catch (e) {
      throw new CliError(2, 'USAGE', `--witness ${v}: not a note verifier key: ${(e as Error).message}`);
    }
  }
  return out;
}

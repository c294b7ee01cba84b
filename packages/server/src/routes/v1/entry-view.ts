/**
 * Rekor v1 wire format of a log entry, rendered by the v1 routes from the log core's typed values:
 * the stored body, its inclusion proof against a signed checkpoint of the entry's shard, and the
 * signedEntryTimestamp (log/entry-timestamp.ts: an ECDSA signature with the shard's key over the RFC
 * 8785 JSON of {body (base64), integratedTime, logID (hex), logIndex}, what sigstore verifiers
 * check), signed when the entry was integrated and stored with it; a row stored without one (from
 * before sql/0006) has it signed on read, once per process (set-cache.ts).
 *
 * Shards, as public-good Rekor has them (Rekor `pkg/api/entries.go`, `sharding.VirtualLogIndex`):
 * `logIndex` is global (the shard's offset plus the tree-local index) and is what the SET signs;
 * `logID` is the SHA-256 of the shard's key; `verification.inclusionProof.logIndex` is tree-local,
 * against the shard's own checkpoint (origin `<name> - <treeID>`).
 */

import { base64Encode, hexEncode } from '@scriba/sdk/encoding';
import type { LogKey } from '../../keys/logKey.js';
import { setPayload, signEntryTimestampAsync } from '../../log/entry-timestamp.js';
import type { Created, EntryWithProof, InclusionView } from '../../log/service.js';
import type { StoredEntry } from '../../log/storage.js';
import { SetCache } from './set-cache.js';

export type { StoredEntry };
export type ProofView = InclusionView;

export type LogEntryValue = {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: {
    inclusionProof: {
      logIndex: number;
      rootHash: string;
      treeSize: number;
      hashes: string[];
      checkpoint: string;
    };
    signedEntryTimestamp: string;
  };
};

/** EntryUUID: the SDK's (16 hex digits of the tree ID, then the 64-hex leaf hash). */
export { entryUuid } from '@scriba/sdk/entries';

/** What a SET signs (log/entry-timestamp.ts, its one home). */
export { setPayload };

/**
 * The SET of an entry stored without one (a row from before sql/0006), signed on read through the
 * thread pool; base64 of its DER signature.
 */
export async function signedEntryTimestamp(
  key: LogKey,
  e: StoredEntry,
  bodyB64: string | undefined,
  logIndex: number,
): Promise<string> {
  // Without `bodyB64`, entry-timestamp.ts encodes the body itself.
  const sig = await signEntryTimestampAsync(
    key,
    { body: e.body, integratedTime: e.integratedTime, logIndex },
    bodyB64,
  );
  return base64Encode(sig);
}

/** The SETs of this process (signed once per entry; see set-cache.ts). */
export function newSetCache(maxEntries?: number): SetCache {
  return new SetCache(signedEntryTimestamp, maxEntries);
}

/** JSON string literals of the last checkpoints rendered (one per tree state: shared by its reads). */
const checkpointLiterals = new Map<string, string>();

function checkpointLiteral(checkpoint: string): string {
  let lit = checkpointLiterals.get(checkpoint);
  if (lit === undefined) {
    lit = JSON.stringify(checkpoint);
    if (checkpointLiterals.size >= 16) checkpointLiterals.delete(checkpointLiterals.keys().next().value!);
    checkpointLiterals.set(checkpoint, lit);
  }
  return lit;
}

/**
 * The JSON text of the Rekor v1 LogEntry (`{ [EntryUUID]: LogEntryValue }`) of an entry read from
 * the log (`key`: its shard's key), written directly (the read routes send it as is, without the
 * response serializer): every string in it is base64, lower-case hex or the EntryUUID (nothing to
 * escape) except the checkpoint, a JSON string literal kept per tree state. test/entry-view.test.ts
 * checks it against a LogEntryValue built field by field.
 */
export async function logEntryJson(key: LogKey, sets: SetCache, e: EntryWithProof): Promise<string> {
  const s = e.entry;
  const body = base64Encode(s.body);
  const logIndex = e.offset + s.index;
  // Signed once, when the entry was integrated, and stored with it; older rows: on read (cached).
  const set = s.set ? base64Encode(s.set) : await sets.get(key, e.treeId, logIndex, s, body);
  const p = e.proof;
  let hashes = p.hashesJson;
  if (hashes === undefined) {
    hashes = '';
    for (const h of p.hashes) hashes += hashes === '' ? `"${hexEncode(h)}"` : `,"${hexEncode(h)}"`;
  }
  return (
    `{"${e.uuid}":{"body":"${body}","integratedTime":${s.integratedTime},"logID":"${key.logIdHex}",` +
    `"logIndex":${logIndex},"verification":{"inclusionProof":{"logIndex":${s.index},` +
    `"rootHash":"${hexEncode(p.rootHash)}","treeSize":${p.treeSize},"hashes":[${hashes}],` +
    `"checkpoint":${checkpointLiteral(p.checkpoint)}},"signedEntryTimestamp":"${set}"}}}`
  );
}

/** logEntryJson's answer as a value (`{ [EntryUUID]: LogEntryValue }`). */
export async function renderLogEntry(
  key: LogKey,
  sets: SetCache,
  e: EntryWithProof,
): Promise<Record<string, LogEntryValue>> {
  return JSON.parse(await logEntryJson(key, sets, e));
}

/**
 * The JSON text of the Rekor v1 LogEntry of an entry just appended (its proof is against its batch's
 * checkpoint), written as logEntryJson writes a read's (the append route sends it as is, without
 * the response serializer); `key` is the key of the shard it was appended to.
 */
export function createdJson(key: LogKey, sets: SetCache, c: Created): Promise<string> {
  return logEntryJson(key, sets, {
    treeId: c.treeId,
    offset: c.offset,
    uuid: c.uuid,
    entry: {
      index: c.index,
      leafHash: c.entry.leafHash,
      body: c.entry.body,
      integratedTime: c.integratedTime,
      set: c.set,
    },
    proof: c.proof,
  });
}

/** createdJson's answer: the LogEntryValue of an entry just appended. */
export async function renderCreated(key: LogKey, sets: SetCache, c: Created): Promise<LogEntryValue> {
  return (JSON.parse(await createdJson(key, sets, c)) as Record<string, LogEntryValue>)[c.uuid]!;
}

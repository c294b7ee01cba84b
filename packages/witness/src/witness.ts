/**
 * A transparency log witness (C2SP tlog-witness `add-checkpoint`, C2SP tlog-cosignature). Domain logic
 * only: parses the request, verifies the checkpoint's signature against the log's configured keys,
 * verifies the RFC 6962 consistency proof from the witness's recorded checkpoint, atomically records
 * the new checkpoint, and returns Ed25519 cosignature lines. HTTP is in ./routes.ts.
 *
 * Statuses, per the spec: 404 unknown origin; 403 no signature verifies with a trusted key; 400
 * malformed request or old size above the checkpoint size; 409 old size is not the recorded size (body:
 * the recorded size, `text/x.tlog.size`) or same size with a different root; 422 the consistency proof
 * does not verify; 200 cosignature lines.
 */
import { base64Decode, bytesEqual } from '@scriba/sdk';
import { verifyConsistency } from '@scriba/sdk/merkle';
import { type NoteVerifier, parseCheckpoint, parseNote, verifyNote } from '@scriba/sdk/note';
import type { WitnessState, WitnessStore } from './store.js';

/** Produces one cosignature line (`— <name> <base64>\n`) over a checkpoint body at a time. */
export interface Cosigner {
  readonly name: string;
  cosign(checkpointBody: string, timestamp: number): Promise<string>;
}

/** A log the witness follows: its origin line and the keys that sign its checkpoints. */
export type WitnessedLog = { origin: string; verifiers: NoteVerifier[] };

export type AddCheckpointResult = {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
};

export type WitnessOptions = {
  store: WitnessStore;
  cosigners: Cosigner[];
  logs: WitnessedLog[];
  /**
   * Asks where the logs were learned (a log's own listing of its shards) which logs it has now, when
   * a checkpoint names an origin the witness does not follow: a log that rotated to a new shard
   * (issue 11) is followed without a restart. Origins already followed keep their keys; asked at most
   * once per DISCOVER_INTERVAL_MS whatever the requests.
   */
  discover?: () => Promise<WitnessedLog[]>;
  /** Seconds since the epoch (injectable for tests). */
  now?: () => number;
};

/** The least time between two `discover` calls (unknown origins cost no more than this). */
export const DISCOVER_INTERVAL_MS = 10_000;

/** The C2SP limit on consistency proof lines. */
export const MAX_PROOF_LINES = 63;

const TEXT = 'text/plain; charset=utf-8';
const SIZE = 'text/x.tlog.size';

export type AddCheckpointRequest = { oldSize: number; proof: Uint8Array[]; checkpoint: string };

export class AddCheckpointParseError extends Error {}

/** Parse an add-checkpoint body: `old N\n`, up to 63 base64 hash lines, an empty line, the note. */
export function parseAddCheckpointRequest(body: string): AddCheckpointRequest {
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw new AddCheckpointParseError('missing empty line before the checkpoint');
  const head = body.slice(0, blank).split('\n');
  const checkpoint = body.slice(blank + 2);
  const m = /^old (0|[1-9][0-9]*)$/.exec(head[0] ?? '');
  if (!m) throw new AddCheckpointParseError('first line must be "old <size>"');
  const oldSize = Number(m[1]);
  if (!Number.isSafeInteger(oldSize)) throw new AddCheckpointParseError('old size out of range');
  const lines = head.slice(1);
  if (lines.length > MAX_PROOF_LINES) throw new AddCheckpointParseError('too many proof lines');
  const proof = lines.map((l) => {
    let h: Uint8Array;
    try {
      h = base64Decode(l);
    } catch {
      throw new AddCheckpointParseError('proof line is not base64');
    }
    if (h.length !== 32) throw new AddCheckpointParseError('proof line is not a 32-byte hash');
    return h;
  });
  return { oldSize, proof, checkpoint };
}

export class Witness {
  private readonly logs = new Map<string, WitnessedLog>();
  private readonly store: WitnessStore;
  private readonly cosigners: Cosigner[];
  private readonly now: () => number;
  private readonly discover: (() => Promise<WitnessedLog[]>) | undefined;
  private discovering: Promise<void> | undefined;
  private discoveredAt = Number.NEGATIVE_INFINITY;

  constructor(options: WitnessOptions) {
    if (options.cosigners.length === 0) throw new Error('a witness needs at least one cosigning key');
    this.store = options.store;
    this.cosigners = options.cosigners;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.discover = options.discover;
    for (const log of options.logs) this.logs.set(log.origin, log);
  }

  /**
   * The log followed under `origin`, asking `discover` for new ones (one call shared by concurrent
   * requests, at most once per DISCOVER_INTERVAL_MS; a failed call learns nothing).
   */
  private async logFor(origin: string): Promise<WitnessedLog | undefined> {
    const known = this.logs.get(origin);
    if (known || !this.discover) return known;
    if (!this.discovering && performance.now() - this.discoveredAt >= DISCOVER_INTERVAL_MS) {
      this.discoveredAt = performance.now();
      const discover = this.discover;
      this.discovering = (async () => {
        try {
          for (const log of await discover()) if (!this.logs.has(log.origin)) this.logs.set(log.origin, log);
        } catch {
          // the listing could not be read: origins stay as they were until the next call
        } finally {
          this.discovering = undefined;
        }
      })();
    }
    await this.discovering;
    return this.logs.get(origin);
  }

  /** Origins this witness follows. */
  get origins(): string[] {
    return [...this.logs.keys()];
  }

  /** The recorded state for `origin`, if any. */
  state(origin: string): Promise<WitnessState | undefined> {
    return this.store.get(origin);
  }

  async addCheckpoint(body: string): Promise<AddCheckpointResult> {
    let req: AddCheckpointRequest;
    let noteText: string;
    let origin: string;
    let size: number;
    let rootHash: Uint8Array;
    try {
      req = parseAddCheckpointRequest(body);
      const note = parseNote(req.checkpoint);
      noteText = note.text;
      const cp = parseCheckpoint(note.text);
      origin = cp.origin;
      size = cp.size;
      rootHash = cp.rootHash;
    } catch (e) {
      return { status: 400, contentType: TEXT, body: `malformed request: ${(e as Error).message}\n` };
    }
    const log = await this.logFor(origin);
    if (!log) return { status: 404, contentType: TEXT, body: 'unknown log origin\n' };
    try {
      await verifyNote(req.checkpoint, log.verifiers);
    } catch {
      return {
        status: 403,
        contentType: TEXT,
        body: 'no signature verifies with a key trusted for this origin\n',
      };
    }
    if (req.oldSize > size) {
      return { status: 400, contentType: TEXT, body: 'old size is above the checkpoint size\n' };
    }
    const current = await this.store.get(origin);
    const recordedSize = current?.size ?? 0;
    if (req.oldSize !== recordedSize) return { status: 409, contentType: SIZE, body: `${recordedSize}\n` };
    if (current && req.oldSize === size) {
      if (!bytesEqual(current.rootHash, rootHash)) {
        await this.store.recordRefusal(origin, 409, 'same size, different root hash', body);
        return { status: 409, contentType: SIZE, body: `${recordedSize}\n` };
      }
    } else if (req.oldSize === 0) {
      if (req.proof.length !== 0) {
        return { status: 422, contentType: TEXT, body: 'the consistency proof from size 0 must be empty\n' };
      }
    } else {
      try {
        verifyConsistency(req.oldSize, size, req.proof, current!.rootHash, rootHash);
      } catch (e) {
        await this.store.recordRefusal(
          origin,
          422,
          `consistency proof failed: ${(e as Error).message}`,
          body,
        );
        return { status: 422, contentType: TEXT, body: 'the consistency proof does not verify\n' };
      }
    }
    const next: WitnessState = { origin, size, rootHash, checkpoint: req.checkpoint };
    if (!(current && current.size === size)) {
      const swapped = await this.store.compareAndSwap(current, next);
      if (!swapped) {
        // Another request moved the state between our read and our write: report the new size.
        const latest = await this.store.get(origin);
        return { status: 409, contentType: SIZE, body: `${latest?.size ?? 0}\n` };
      }
    }
    const timestamp = this.now();
    const lines = await Promise.all(this.cosigners.map((c) => c.cosign(noteText, timestamp)));
    return { status: 200, contentType: TEXT, body: lines.join('') };
  }
}

/**
 * The Ed25519 signature on every shard's checkpoints (C2SP signed-note type 0x01, what C2SP witnesses
 * and tlog-tiles clients verify), per shard (issue 11): the key is SCRIBA_LOG_ED25519_KEY when set
 * (one key for every shard), else derived from the ECDSA key that signs the shard
 * (keys/checkpointEd25519.ts). So a shard keeps its Ed25519 key for good (its frozen checkpoint stays
 * byte for byte what was served and cached), and a shard rotated to a new ECDSA key gets a new Ed25519
 * key with it. The key name is the log's name for every shard; each note's body carries its shard's
 * origin, which is how witnesses tell the shards apart.
 */
import { type CheckpointEd25519, checkpointEd25519 } from './checkpointEd25519.js';
import type { LogKey } from './logKey.js';

export class ShardCosigners {
  private readonly byKey = new Map<string, Promise<CheckpointEd25519>>();

  /**
   * `name`: the log's key name; `keyPath`: SCRIBA_LOG_ED25519_KEY; `keyOf`: the ECDSA key of a shard
   * by its log ID, or undefined when this process lacks it; `primary`: the log key.
   */
  constructor(
    private readonly name: string,
    private readonly keyPath: string | undefined,
    private readonly keyOf: (logId: Uint8Array) => LogKey | undefined,
    private readonly primary: LogKey,
  ) {}

  /** The co-signer of shards with log ID `logId`, or undefined without a key to derive it from. */
  forShard(logId: Uint8Array): Promise<CheckpointEd25519> | undefined {
    // A configured Ed25519 key signs every shard (the ECDSA key is then not used): one co-signer.
    const key = this.keyPath ? this.primary : this.keyOf(logId);
    if (!key) return undefined;
    const id = this.keyPath ? '' : key.logIdHex;
    let found = this.byKey.get(id);
    if (!found) {
      found = checkpointEd25519(key, this.name, { keyPath: this.keyPath });
      found.catch(() => this.byKey.delete(id));
      this.byKey.set(id, found);
    }
    return found;
  }

  /** `note` (a checkpoint of the shard with log ID `logId`) with the Ed25519 signature added. */
  async cosign(logId: Uint8Array, note: string): Promise<string> {
    const cosigner = this.forShard(logId);
    return cosigner ? (await cosigner).cosign(note) : note;
  }
}

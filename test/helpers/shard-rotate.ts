/**
 * Rotates a test server's log to a new, empty shard with a tree id the test may choose (a witness can
 * be told its origin beforehand), through the storage port (`rotate`, the same lock as appends),
 * keeping the log key, the new shard born with its signed empty checkpoint under its origin
 * `<logName> - <treeId>`, as `scriba shard rotate` does (log/rotation.ts).
 */
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import { checkpointSigner } from '../../packages/server/src/log/checkpoint.js';
import { newTreeId } from '../../packages/server/src/log/rotation.js';
import type { RunningServer } from '../../packages/server/src/main.js';

export async function rotateShard(
  server: RunningServer,
  treeId: string = newTreeId(),
): Promise<{ frozen: string; active: string; origin: string }> {
  const { storage, key } = server.log;
  const origin = `${server.config.logName} - ${treeId}`;
  const signer = await checkpointSigner(key, server.config.logName, origin);
  const { frozen, active } = await storage.rotate({
    treeId,
    logId: key.logId,
    publicKey: key.spki,
    rootHash: EMPTY_ROOT,
    origin,
    checkpoint: await signer.sign(0, EMPTY_ROOT),
  });
  // This frontend sees the rotation at once (others within a second, or at their next batch).
  await server.log.shards(true);
  return { frozen: frozen.treeId, active: active.treeId, origin };
}

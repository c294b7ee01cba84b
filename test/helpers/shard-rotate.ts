/**
 * Rotates a test server's log to a new, empty shard through the storage port (`rotate`, the same lock
 * as appends), keeping the log key, and signs the new shard's first (empty) checkpoint under its
 * origin `<logName> - <treeId>`, as a rotation by the operator does. A server started on the database
 * afterwards appends to the new shard.
 */
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import { checkpointSigner } from '../../packages/server/src/log/checkpoint.js';
import { LogService } from '../../packages/server/src/log/service.js';
import type { RunningServer } from '../../packages/server/src/main.js';

export async function rotateShard(
  server: RunningServer,
  treeId: string = LogService.newTreeId(),
): Promise<{ frozen: string; active: string; origin: string }> {
  const { storage, key } = server.log;
  const origin = `${server.config.logName} - ${treeId}`;
  const { frozen, active } = await storage.rotate({
    treeId,
    logId: key.logId,
    publicKey: key.spki,
    rootHash: EMPTY_ROOT,
    origin,
  });
  const signer = await checkpointSigner(key, server.config.logName, origin);
  await storage.resignCheckpoint(active.treeId, async (t) =>
    t.checkpoint === null ? signer.sign(t.treeSize, t.rootHash) : undefined,
  );
  return { frozen: frozen.treeId, active: active.treeId, origin };
}

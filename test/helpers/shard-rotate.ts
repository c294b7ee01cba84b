/**
 * Rotates a test server's log to a new, empty shard with a tree id the test may choose (a witness can
 * be told its origin beforehand), as `scriba shard rotate` does (log/rotation.ts rotateShard: the
 * storage port's `rotate`, the same lock as appends), keeping the log key; the new shard is born with
 * its signed empty checkpoint under its origin `<logName> - <treeId>`.
 */
import { newTreeId, rotateShard as rotate } from '../../packages/server/src/log/rotation.js';
import type { RunningServer } from '../../packages/server/src/main.js';

export async function rotateShard(
  server: RunningServer,
  treeId: string = newTreeId(),
): Promise<{ frozen: string; active: string; origin: string }> {
  const { frozen, active } = await rotate(server.log.storage, {
    key: server.log.key,
    logName: server.config.logName,
    treeId,
  });
  // This frontend sees the rotation at once (others within a second, or at their next batch).
  await server.log.shards(true);
  return { frozen: frozen.treeId, active: active.treeId, origin: active.origin! };
}

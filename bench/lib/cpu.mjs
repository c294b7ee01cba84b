/**
 * CPU time of a bench's parts (server, its main thread, PostgreSQL, this client) between two
 * snapshots, from the /proc readers in proc.mjs: what a figure cost beside how fast it ran, so a
 * result stays comparable on a machine shared with other work.
 */
import { childrenOf, cpuSeconds } from './proc.mjs';

export { childrenOf, cpuSeconds };

/** CPU seconds of the server process, of PostgreSQL (postmaster + backends) and of this process. */
export function cpuSnapshot(serverPid, pgPid) {
  const pg = pgPid ? [pgPid, ...childrenOf(pgPid)] : [];
  const perPid = new Map(pg.map((p) => [p, cpuSeconds(p)]));
  const usage = process.cpuUsage();
  return {
    server: cpuSeconds(serverPid),
    // The server's main thread alone (its event loop): /proc/<pid>/task/<pid>.
    serverMain: cpuSeconds(`${serverPid}/task/${serverPid}`),
    pg: perPid,
    client: (usage.user + usage.system) / 1e6,
  };
}

/** CPU seconds spent between two snapshots, per part. */
export function cpuDelta(a, b) {
  let pg = 0;
  for (const [pid, t] of b.pg) pg += t - (a.pg.get(pid) ?? 0);
  return {
    server: b.server - a.server,
    serverMain: b.serverMain - a.serverMain,
    pg,
    client: b.client - a.client,
  };
}

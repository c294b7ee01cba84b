/**
 * CPU time per process for the benchmarks (Linux /proc; NaN elsewhere): what a figure cost, beside
 * how fast it ran, so a result stays comparable on a machine shared with other work.
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds (user + system) used so far by `pid` (or `pid/task/tid`), or NaN off Linux. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** Pids whose parent is `ppid` (PostgreSQL backends of a postmaster). */
export function childrenOf(ppid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(d));
    } catch {}
  }
  return out;
}

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

/**
 * Per-process figures for the benchmarks, from Linux /proc (NaN elsewhere): CPU seconds used, the
 * children of a process (PostgreSQL's backends under its postmaster), resident memory, minor page
 * faults; and one machine-wide figure, the page cache's refaults.
 * Also where a process runs: pinToCpus.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100; // Linux USER_HZ

/**
 * The fields of /proc/<pid>/stat after the command name (so the first is the state, the second the
 * parent pid), or undefined when there is no such process (or no /proc).
 */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) used so far by `pid` (or `pid/task/tid`), or NaN off Linux. */
export function cpuSeconds(pid) {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / CLK_TCK : Number.NaN;
}

/**
 * Minor page faults of `pid` so far (NaN off Linux): a PostgreSQL backend takes one for every page of
 * shared memory (its shared_buffers) it touches for the first time, 4 KiB at a time unless PostgreSQL
 * runs on huge pages (`huge_pages`).
 */
export function minorFaults(pid) {
  const fields = statFields(pid);
  return fields ? Number(fields[7]) : Number.NaN;
}

/** Pids whose parent is `ppid` (PostgreSQL backends of a postmaster). */
export function childrenOf(ppid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    if (Number(statFields(d)?.[1]) === ppid) out.push(Number(d));
  }
  return out;
}

/** Resident set size of `pid` in MiB: `{ now, peak }` (VmRSS, VmHWM). */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { now: Number.NaN, peak: Number.NaN };
  }
}

/**
 * File pages read back into the page cache after the kernel evicted them (/proc/vmstat
 * `workingset_refault_file`, machine-wide; NaN off Linux). Counted around a load, it tells whether
 * PostgreSQL read its tables from memory or from disk: a database larger than its shared_buffers
 * relies on the page cache, and some machines evict cold page-cache pages on their own (DAMON's
 * proactive reclaim on this project's VMs pages out file pages untouched for about a minute).
 */
export function pageCacheRefaults() {
  try {
    const m = /^workingset_refault_file (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Runs `pids` (every thread of each) on the CPUs `cpus` only (`taskset -a -p`, util-linux; Linux
 * sched_setaffinity). Processes forked afterwards inherit it: a postmaster pinned before its
 * backends start pins them. Throws when taskset is missing or refuses.
 */
export function pinToCpus(pids, cpus) {
  for (const pid of pids)
    execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(pid)], { stdio: 'ignore' });
}

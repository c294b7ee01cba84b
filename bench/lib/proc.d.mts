/** Types of proc.mjs (per-process figures from Linux /proc, shared by the benchmarks and tests). */
export function cpuSeconds(pid: number | string): number;
export function minorFaults(pid: number | string): number;
export function childrenOf(ppid: number): number[];
export function rssMiB(pid: number): { now: number; peak: number };
export function pageCacheRefaults(): number;

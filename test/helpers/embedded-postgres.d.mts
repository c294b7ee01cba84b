/** Types of embedded-postgres.mjs (the shared throwaway-PostgreSQL recipe). */
export function freePort(): Promise<number>;

export type EmbeddedPg = { url: string; dir: string; pid: number | undefined; stop(): Promise<void> };

export function startEmbeddedPostgres(options?: {
  prefix?: string;
  flags?: string[];
  killSignal?: NodeJS.Signals;
  logLines?: number;
  dumpLogs?: boolean;
}): Promise<EmbeddedPg>;

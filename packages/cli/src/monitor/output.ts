/**
 * The monitor's output job: each event as one JSON line (--json) or as a human line; progress on
 * stderr (rewritten in place on a terminal); failures and errors on stderr with their evidence.
 */
export type MonitorEvent = Record<string, unknown> & { event: string };

const rate = (v: unknown) => (typeof v === 'number' ? `, ${v} entries/s` : '');

export function humanLine(e: MonitorEvent): string {
  switch (e.event) {
    case 'checkpoint':
      return `checkpoint ${e.origin} size ${e.size} root ${e.rootHash} (signature verified${
        Array.isArray(e.witnesses) && e.witnesses.length > 0 ? `; cosigned by ${e.witnesses.join(', ')}` : ''
      })`;
    case 'consistent':
      return `consistent: ${e.oldSize} -> ${e.newSize} (proof of ${(e.proof as string[]).length} hashes verified)`;
    case 'shard':
      return `shard ${e.treeId} (${e.active ? 'active' : 'frozen'}, global indices from ${e.offset})${e.new ? ': new, followed from now on' : ''}`;
    case 'match': {
      // The global index first (what `scriba get --log-index` takes), where in which shard last.
      const hits = (e.matched as { type: string; value: string }[]).map((m) => `${m.type}=${m.value}`);
      const where = e.treeId !== undefined ? ` (shard ${e.treeId}, index ${e.index} in it)` : '';
      return `MATCH entry ${e.logIndex ?? e.index} (${e.kind} ${e.apiVersion}): ${hits.join(', ')}${where}`;
    }
    case 'verified':
      return `verified ${e.newEntries} new entries up to size ${e.size} (${e.seconds} s${rate(e.entriesPerSecond)})`;
    case 'failure': {
      const ev = e.evidence as Record<string, unknown> | undefined;
      const parts = [`FAILURE [${e.code}]: ${e.reason}`];
      if (ev) {
        if (ev.previousCheckpoint)
          parts.push(`--- previously verified checkpoint:\n${ev.previousCheckpoint}`);
        if (ev.publishedCheckpoint)
          parts.push(`--- final checkpoint the log publishes for the shard:\n${ev.publishedCheckpoint}`);
        if (ev.checkpoint) parts.push(`--- new checkpoint:\n${ev.checkpoint}`);
        if (Array.isArray(ev.proof))
          parts.push(`--- consistency proof ${ev.oldSize} -> ${ev.newSize}:\n${ev.proof.join('\n')}`);
        if (ev.computedRoot) parts.push(`--- root computed from the entries: ${ev.computedRoot}`);
      }
      return parts.join('\n');
    }
    case 'error':
      return `error [${e.code}]: ${e.reason}${e.message ? `: ${e.message}` : ''}`;
    default:
      return JSON.stringify(e);
  }
}

/** An event writer for stdout/stderr. */
export function makeEmitter(json: boolean): (e: MonitorEvent) => void {
  const tty = !json && process.stderr.isTTY === true;
  return (e) => {
    if (json) {
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
      return;
    }
    if (e.event === 'progress') {
      const line = `catching up: ${e.done}/${e.total} entries${rate(e.entriesPerSecond)}`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
      return;
    }
    if (tty) process.stderr.write('\r\x1b[K');
    const out = e.event === 'failure' || e.event === 'error' ? process.stderr : process.stdout;
    out.write(`${humanLine(e)}\n`);
  };
}

/**
 * bench/read's in-process reader (`--in-process`): a child process that opens the loaded log as
 * `scriba serve` does (the served environment, main.ts's startServer: same storage, caches and
 * answer functions; its HTTP listener left idle) and reads it without HTTP: the answer functions
 * the read lane calls (routes/v1/entries.ts, routes/v1/log.ts), `connections` reads in flight, each
 * loop asking its next read once its answer's text is written (targets.mjs: over the whole tree).
 * Asked by message `{ route, seconds }`, it answers `{ n, perSec, cpuUs }` (its own CPU, thread
 * pool included, per read); `{ stop: true }` closes the log and exits.
 */
import { loadConfig } from '../../packages/server/dist/config.js';
import { startServer } from '../../packages/server/dist/main.js';
import { entryByIndexAnswer } from '../../packages/server/dist/routes/v1/entries.js';
import { newSetCache } from '../../packages/server/dist/routes/v1/entry-view.js';
import { consistencyAnswer } from '../../packages/server/dist/routes/v1/log.js';
import { pick } from './targets.mjs';

const { size, connections } = JSON.parse(process.argv[2]);
const server = await startServer(loadConfig(process.env), { logger: false });
const entry = entryByIndexAnswer(server.log, newSetCache());
const consistency = consistencyAnswer(server.log);
const answers = { entry, proof: (first) => consistency(first, size, undefined) };

async function read(route, seconds) {
  const answer = answers[route];
  const before = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let n = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      const text = await answer(pick(route, size));
      if (typeof text !== 'string' || text.length === 0) throw new Error(`no ${route} answer`);
      n++;
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(before);
  return { n, perSec: n / elapsed, cpuUs: (cpu.user + cpu.system) / Math.max(1, n) };
}

process.on('message', async (m) => {
  if (m.stop) {
    await server.close();
    process.exit(0);
  }
  process.send(await read(m.route, m.seconds));
});
process.send({ ready: true, sample: await entry(pick('entry', size)) });

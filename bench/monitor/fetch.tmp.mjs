import { fork } from 'node:child_process';
import http from 'node:http';
const N = 100000;
const server = fork(new URL('./run.mjs', import.meta.url).pathname, ['--serve', JSON.stringify({ entries: N })], { execArgv: [], stdio: ['ignore','inherit','inherit','ipc'] });
const ready = await new Promise((r) => server.once('message', r));
const base = `http://127.0.0.1:${ready.port}/api/v2`;
const tiles = await import('@scriba/sdk/tiles');
const paths = []; for (let n = 0; n < Math.floor(N/256); n++) paths.push(tiles.entryBundlePath(n, 256));
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const nodeGet = (url, enc) => new Promise((resolve, reject) => {
  http.get(url, { agent, headers: { 'accept-encoding': enc } }, (res) => { const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve(Buffer.concat(chunks))); }).on('error', reject);
});
const undiciGet = async (url, enc) => new Uint8Array(await (await fetch(url, { headers: { 'accept-encoding': enc } })).arrayBuffer());
async function run(name, get, enc, par = 8) {
  const c0 = process.cpuUsage(); const t0 = performance.now(); let bytes = 0; let next = 0;
  await Promise.all(Array.from({ length: par }, async () => { while (next < paths.length) { const p = paths[next++]; bytes += (await get(`${base}/${p}`, enc)).length; } }));
  const cu = process.cpuUsage(c0); const s = (performance.now() - t0) / 1000;
  console.log(name.padEnd(24), enc.padEnd(9), 'par', par, (N/s).toFixed(0).padStart(7), 'entries/s wall', ((cu.user+cu.system)/N).toFixed(2), 'us CPU/entry (user', (cu.user/N).toFixed(2), ')', (bytes/paths.length/1024).toFixed(0), 'KiB/req');
}
for (let r = 0; r < 3; r++) {
  await run('undici fetch', undiciGet, 'identity');
  await run('undici fetch', undiciGet, 'gzip');
  await run('node:http', nodeGet, 'identity');
  await run('node:http', nodeGet, 'identity', 2);
}
server.disconnect();

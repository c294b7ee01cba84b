import { fork } from 'node:child_process';
const N = Number(process.argv[2] ?? 100000);
const server = fork(new URL('./run.mjs', import.meta.url).pathname, ['--serve', JSON.stringify({ entries: N })], { execArgv: [], stdio: ['ignore','inherit','inherit','ipc'] });
const ready = await new Promise((r) => server.once('message', r));
const base = `http://127.0.0.1:${ready.port}/api/v2`;
const { monitorRound } = await import('../../packages/cli/dist/monitor/round.js');
const { noteVerifierFromPublicKey } = await import('@scriba/sdk/note');
const { parsePublicKey } = await import('@scriba/sdk/crypto');
const verifier = await noteVerifierFromPublicKey(ready.name, parsePublicKey(new Uint8Array(Buffer.from(ready.spki, 'base64'))));
const http = await import('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const nodeFetch = (url, init) => new Promise((resolve, reject) => {
  const req = http.get(url, { agent, headers: { 'accept-encoding': 'identity' } }, (res) => {
    const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => { const b = Buffer.concat(chunks); resolve({ ok: res.statusCode === 200, status: res.statusCode, arrayBuffer: async () => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) }); });
  }); req.on('error', reject);
});
const MODE = process.env.MODE ?? 'default';
const fetchOpt = MODE === 'identity' ? { fetch: (u, i) => fetch(u, { ...i, headers: { ...i.headers, 'accept-encoding': 'identity' } }) } : MODE === 'http' ? { fetch: nodeFetch } : {};
const none = { identities: [], issuers: [], keys: [], digests: [] };
const { Session } = await import('node:inspector/promises');
for (let r = 0; r < Number(process.argv[3] ?? 4); r++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  if (r === 1 && process.env.PROF) { globalThis.session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start'); }
  const res = await monitorRound({ tilesUrl: base, ...fetchOpt, verifiers: async () => [verifier], watch: none, emit: (e) => { if (e.event==='failure'||e.event==='error') console.error(e); }, progressEveryMs: 1e9 });
  const cu = process.cpuUsage(c0); const s = (performance.now()-t0)/1000;
  console.log('exit', res.exit, (N/s).toFixed(0), 'entries/s', (N/((cu.user+cu.system)/1e6)).toFixed(0), 'per CPU-s', 'user', cu.user/1e3|0, 'sys', cu.system/1e3|0);
}
if (process.env.PROF) { const { profile } = await session.post('Profiler.stop'); (await import('node:fs')).mkdirSync(process.env.PROF,{recursive:true}); (await import('node:fs')).writeFileSync(process.env.PROF + '/p.cpuprofile', JSON.stringify(profile)); }
server.disconnect();

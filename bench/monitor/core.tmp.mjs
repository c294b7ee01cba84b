import * as nodeCrypto from 'node:crypto';
const { TileClient } = await import('@scriba/sdk/tiles/client');
const tiles = await import('@scriba/sdk/tiles');
const merkle = await import('@scriba/sdk/merkle');
const COUNT = 256*64;
const bodies = Array.from({length: COUNT}, () => nodeCrypto.randomBytes(557));
const files = new Map();
for (let n = 0; n < COUNT/256; n++) files.set(tiles.entryBundlePath(n, 256), tiles.encodeEntryBundle(bodies.slice(n*256,(n+1)*256)));
const client = new TileClient({ get: async (p) => files.get(p) });
async function t(name, f) { for (let i=0;i<3;i++) await f(); const c0=process.cpuUsage(); for (let i=0;i<5;i++) await f(); const cu=process.cpuUsage(c0); console.log(name.padEnd(30), ((cu.user+cu.system)/(5*COUNT)).toFixed(3), 'us/entry'); }
const P = Buffer.from([0]);
for (let k=0;k<2;k++){
await t('stream floor', async () => { for (const b of bodies) nodeCrypto.createHash('sha256').update(P).update(b).digest(); });
await t('oneshot floor', async () => { const s=Buffer.alloc(4096); for (const b of bodies) { s[0]=0; s.set(b,1); nodeCrypto.hash('sha256', s.subarray(0,b.length+1),'buffer'); } });
await t('hashLeaf only', async () => { for (const b of bodies) merkle.hashLeaf(b); });
await t('hashLeaf+append', async () => { const r = merkle.CompactRange.empty(); for (const b of bodies) r.append(merkle.hashLeaf(b)); });
await t('entries() only', async () => { for await (const e of client.entries(0, COUNT, COUNT)) {} });
await t('entries+hash+append', async () => { const r = merkle.CompactRange.empty(); for await (const {data} of client.entries(0, COUNT, COUNT)) r.append(merkle.hashLeaf(data)); });
await t('bundles+hash+append', async () => { const r = merkle.CompactRange.empty(); for (let n=0;n<COUNT/256;n++){ const es = await client.readEntryBundle(n, COUNT); for (const d of es) r.append(merkle.hashLeaf(d)); } });
}

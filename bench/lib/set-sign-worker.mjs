/**
 * A bulk-load helper thread (bench/lib/bulk-load.mjs): signs the SETs of bench entries `bench-<i>`
 * for i in [start, end) with the server's own SET signer (log/entry-timestamp.ts), as the append
 * batch signs them. Answers the DER signatures concatenated, with their lengths.
 */
import { createPrivateKey } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { signEntryTimestamp } from '../../packages/server/dist/log/entry-timestamp.js';

parentPort.on('message', ({ id, pkcs8, logIdHex, start, end, integratedTime }) => {
  const key = {
    privateKey: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
    logIdHex,
  };
  const sigs = [];
  for (let i = start; i < end; i++) {
    sigs.push(signEntryTimestamp(key, { body: Buffer.from(`bench-${i}`), integratedTime, logIndex: i }));
  }
  const lengths = Uint8Array.from(sigs, (s) => s.length);
  const all = Buffer.concat(sigs);
  const out = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  parentPort.postMessage({ id, out, lengths }, [out]);
});

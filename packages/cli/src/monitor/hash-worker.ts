/**
 * The leaf hashing worker of a monitor round (./leaf-hasher.ts): seeded with a compact range, it
 * decodes each C2SP tlog-tiles entry bundle it is sent (in order) and appends its leaves
 * (SHA-256(0x00 || entry), RFC 6962 §2.1, @scriba/sdk/merkle), acknowledges it, and on `finish`
 * sends back the range's size and hashes. Any error is sent back and ends the worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CompactRange } from '@scriba/sdk/merkle';
import { decodeEntryBundle } from '@scriba/sdk/tiles';

const port = parentPort;
if (!port) throw new Error('hash-worker.js runs as a worker thread');
const seed = workerData as { size: number; hashes: Uint8Array[] };
let range: CompactRange;
try {
  range = CompactRange.fromHashes(seed.size, seed.hashes);
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).message });
  process.exit(1);
}
port.on('message', (m: { type: 'bundle'; bytes: Uint8Array } | { type: 'finish' }) => {
  try {
    if (m.type === 'bundle') {
      range.appendLeaves(decodeEntryBundle(m.bytes));
      port.postMessage({ type: 'ack' });
    } else {
      port.postMessage({ type: 'done', size: range.size, hashes: range.hashes() });
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message });
  }
});

/**
 * The leaf hashing worker of monitor rounds (./leaf-hasher.ts). Per round: `seed` with a compact
 * range, then each C2SP tlog-tiles entry bundle in order — decoded, its leaves appended
 * (SHA-256(0x00 || entry), RFC 6962 §2.1, @scriba/sdk/merkle) and acknowledged — then `finish`,
 * answered with the range's size and hashes. The worker lives on between rounds (its compiled code
 * stays warm). Any error is sent back; the round then drops the worker.
 */
import { parentPort } from 'node:worker_threads';
import { CompactRange } from '@scriba/sdk/merkle';
import { decodeEntryBundle } from '@scriba/sdk/tiles';

type ToWorker =
  | { type: 'seed'; size: number; hashes: Uint8Array[] }
  | { type: 'bundle'; bytes: Uint8Array }
  | { type: 'finish' };

const port = parentPort;
if (!port) throw new Error('hash-worker.js runs as a worker thread');
let range: CompactRange | undefined;
port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'seed') {
      range = CompactRange.fromHashes(m.size, m.hashes);
    } else if (m.type === 'bundle') {
      if (!range) throw new Error('no range seeded');
      range.appendLeaves(decodeEntryBundle(m.bytes));
      port.postMessage({ type: 'ack' });
    } else {
      if (!range) throw new Error('no range seeded');
      port.postMessage({ type: 'done', size: range.size, hashes: range.hashes() });
      range = undefined;
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message });
  }
});

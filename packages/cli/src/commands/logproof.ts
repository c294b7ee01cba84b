/**
 * `scriba logproof --first-size A --last-size B`: a consistency proof between two tree sizes (as
 * `rekor-cli logproof`, GET /api/v1/log/proof), printed only once verified: the log's current
 * checkpoint verifies with the trusted key; the root of size B is proven against it (the proof B →
 * current, unless B is current); the roots of sizes A and B are computed from the log's tiles
 * (C2SP tlog-tiles, SDK TileClient) and the printed proof must lead from one to the other.
 */
import { bytesEqual, hexEncode, TileClient } from '@scriba/sdk';
import { VerificationError, verifyCheckpointNote } from '@scriba/sdk/verify';
import { getText } from '../http.js';
import { intArg } from '../inputs.js';
import { openLog, outputFormat, runLogCommand } from '../log-command.js';
import { CliError, printJson, usageError } from '../output.js';
import { type ConsistencyAnswer, checkConsistency, getConsistencyProof } from '../rekor.js';
import { trustedLogFor } from '../trust.js';

const USAGE = `usage: scriba logproof --first-size A --last-size B [--url URL] [--trusted-root FILE] [--format text|json]
  Prints the consistency proof from tree size A to tree size B (1 <= A <= B <= current size)
  after verifying it against the log's signed checkpoint.
  exit: 0 verified; 1 the proof or checkpoint does not verify; 2 usage or unreachable log
`;

/** The log's consistency proof from size `a` to `b`, with its root hash. */
async function proof(
  base: string,
  a: number,
  b: number,
): Promise<ConsistencyAnswer & { rootHash: Uint8Array }> {
  const p = await getConsistencyProof(base, a, b);
  if (!p.rootHash) throw new CliError(1, 'LOG_ANSWER_INVALID', `${p.url}: malformed consistency proof`);
  return p as ConsistencyAnswer & { rootHash: Uint8Array };
}

export async function run(argv: string[]): Promise<number> {
  const own = { 'first-size': { type: 'string' }, 'last-size': { type: 'string' } } as const;
  return runLogCommand(argv, USAGE, own, async (v) => {
    const a = intArg(v['first-size'] as string | undefined, '--first-size');
    const b = intArg(v['last-size'] as string | undefined, '--last-size');
    if (a === undefined || b === undefined) throw usageError('--first-size and --last-size are required');
    if (a < 1 || a > b) throw usageError('need 1 <= --first-size <= --last-size');
    const format = outputFormat(v);
    const { base, trust } = await openLog(v);
    const log = trustedLogFor(trust, base);
    const { checkpoint: cp } = await verifyCheckpointNote(
      await getText(`${base}/api/v2/checkpoint`),
      log.key,
    );
    if (b > cp.size)
      throw new CliError(1, 'NOT_FOUND', `--last-size ${b} is beyond the log's size ${cp.size}`);
    const tiles = TileClient.http(`${base}/api/v2`);
    // Root of size B: the checkpoint's, or proven consistent with it.
    let rootB: Uint8Array;
    if (b === cp.size) rootB = cp.rootHash;
    else {
      rootB = await tiles.rootHash(b);
      const toCurrent = await proof(base, b, cp.size);
      checkConsistency(toCurrent, b, cp.size, rootB, cp.rootHash);
    }
    const rootA = a === b ? rootB : await tiles.rootHash(a);
    const p = await proof(base, a, b);
    if (!bytesEqual(p.rootHash, rootB)) {
      throw new VerificationError(
        'TLOG_CHECKPOINT_MISMATCH',
        `${p.url}: rootHash is not the verified root of size ${b}`,
      );
    }
    checkConsistency(p, a, b, rootA, rootB);
    if (format === 'json') {
      printJson({
        verified: true,
        firstSize: a,
        lastSize: b,
        firstRootHash: hexEncode(rootA),
        lastRootHash: hexEncode(rootB),
        hashes: p.hashes.map(hexEncode),
        checkpointSize: cp.size,
      });
    } else {
      process.stdout.write(
        [
          'Verification Successful!',
          `First Tree Size: ${a}`,
          `First Root Hash: ${hexEncode(rootA)}`,
          `Last Tree Size: ${b}`,
          `Last Root Hash: ${hexEncode(rootB)}`,
          `Checkpoint Size: ${cp.size}`,
          'Hashes:',
          ...p.hashes.map((h) => `  ${hexEncode(h)}`),
          '',
        ].join('\n'),
      );
    }
    return 0;
  });
}

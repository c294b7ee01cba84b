/**
 * `scriba logproof --first-size A --last-size B`: a consistency proof between two tree sizes (as
 * `rekor-cli logproof`, GET /api/v1/log/proof), printed only once verified: the log's current
 * checkpoint verifies with the trusted key; the root of size B is proven against it (the proof B →
 * current, unless B is current); the roots of sizes A and B are computed from the log's tiles
 * (C2SP tlog-tiles, SDK TileClient) and the printed proof must lead from one to the other.
 */
import { bytesEqual, hexDecode, hexEncode, TileClient, verifyConsistency } from '@scriba/sdk';
import { VerificationError, verifyCheckpointNote } from '@scriba/sdk/verify';
import { getText, requestJson } from '../http.js';
import { intArg } from '../inputs.js';
import { openLog, outputFormat, runLogCommand } from '../log-command.js';
import { CliError, printJson, usageError } from '../output.js';
import { trustedLogFor } from '../trust.js';

const USAGE = `usage: scriba logproof --first-size A --last-size B [--url URL] [--trusted-root FILE] [--format text|json]
  Prints the consistency proof from tree size A to tree size B (1 <= A <= B <= current size)
  after verifying it against the log's signed checkpoint.
  exit: 0 verified; 1 the proof or checkpoint does not verify; 2 usage or unreachable log
`;

async function proof(
  base: string,
  a: number,
  b: number,
): Promise<{ url: string; root: Uint8Array; hashes: Uint8Array[] }> {
  const url = `${base}/api/v1/log/proof?firstSize=${a}&lastSize=${b}`;
  const p = (await requestJson(url)) as { rootHash?: unknown; hashes?: unknown };
  const hex = (h: unknown) => typeof h === 'string' && /^[0-9a-f]{64}$/i.test(h);
  if (!hex(p.rootHash) || !Array.isArray(p.hashes) || !p.hashes.every(hex)) {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: malformed consistency proof`);
  }
  return {
    url,
    root: hexDecode((p.rootHash as string).toLowerCase()),
    hashes: (p.hashes as string[]).map((h) => hexDecode(h.toLowerCase())),
  };
}

function check(
  url: string,
  a: number,
  b: number,
  hashes: Uint8Array[],
  rootA: Uint8Array,
  rootB: Uint8Array,
): void {
  try {
    verifyConsistency(a, b, hashes, rootA, rootB);
  } catch (e) {
    throw new CliError(
      1,
      'CONSISTENCY_PROOF_INVALID',
      `${url}: the proof from ${a} to ${b} does not verify: ${(e as Error).message}`,
    );
  }
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
      check(toCurrent.url, b, cp.size, toCurrent.hashes, rootB, cp.rootHash);
    }
    const rootA = a === b ? rootB : await tiles.rootHash(a);
    const p = await proof(base, a, b);
    if (!bytesEqual(p.root, rootB)) {
      throw new VerificationError(
        'TLOG_CHECKPOINT_MISMATCH',
        `${p.url}: rootHash is not the verified root of size ${b}`,
      );
    }
    check(p.url, a, b, p.hashes, rootA, rootB);
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

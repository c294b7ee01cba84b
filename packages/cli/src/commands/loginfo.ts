/**
 * `scriba loginfo`: the log's current tree (as `rekor-cli loginfo`, GET /api/v1/log), printed only
 * after its signed checkpoint verifies with the trusted log key, and the answer's size and root
 * equal the checkpoint's; with `--require-witnesses N --witness VKEY...`
 * the log's latest tlog-checkpoint (GET /api/v2/checkpoint) must carry N of those witnesses'
 * cosignatures. With `--state FILE` it also proves (RFC 9162
 * consistency proof, GET /api/v1/log/proof) that the tree extends the one verified last time, and
 * then records the new checkpoint in FILE.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { bytesEqual, hexEncode, parseCheckpoint, parseNote } from '@scriba/sdk';
import { VerificationError, verifyCheckpointNote } from '@scriba/sdk/verify';
import { getText, requestJson } from '../http.js';
import { intArg } from '../inputs.js';
import { openLog, outputFormat, runLogCommand } from '../log-command.js';
import { CliError, fileError, outputError, printJson } from '../output.js';
import { checkConsistency, getConsistencyProof, witnessPolicy } from '../rekor.js';
import { trustedLogFor } from '../trust.js';

const USAGE = `usage: scriba loginfo [--url URL] [--trusted-root FILE] [--state FILE]
         [--require-witnesses N --witness VKEY...] [--format text|json]
  Prints the log's tree size, root hash and checkpoint after verifying the checkpoint's signature.
  --witness VKEY  a witness's note verifier key: the log's latest checkpoint must carry
                  --require-witnesses N of their cosignatures (default: all given)
  --state FILE  prove the tree is consistent with the checkpoint stored in FILE by the last run,
                then store the new one (FILE is created on the first run)
  exit: 0 verified; 1 a signature or proof does not verify (the log forked or rolled back);
  2 usage, unreadable state file or unreachable log
`;

type LogInfo = { rootHash?: unknown; treeSize?: unknown; signedTreeHead?: unknown; treeID?: unknown };

async function readPrevious(path: string): Promise<string | undefined> {
  try {
    const s = JSON.parse(await readFile(path, 'utf8')) as { checkpoint?: unknown };
    if (typeof s.checkpoint !== 'string') throw new Error('no "checkpoint"');
    return s.checkpoint;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((e as NodeJS.ErrnoException).code) throw fileError('cannot read state', path, e);
    throw new CliError(2, 'STATE_INVALID', `state ${path}: ${(e as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const own = {
    state: { type: 'string' },
    witness: { type: 'string', multiple: true },
    'require-witnesses': { type: 'string' },
  } as const;
  return runLogCommand(argv, USAGE, own, async (v) => {
    const format = outputFormat(v);
    const witnesses = await witnessPolicy(
      (v.witness as string[] | undefined) ?? [],
      intArg(v['require-witnesses'] as string | undefined, '--require-witnesses'),
    );
    const { base, trust } = await openLog(v);
    const log = trustedLogFor(trust, base);
    const statePath = v.state as string | undefined;
    const previous = statePath ? await readPrevious(statePath) : undefined;
    const url = `${base}/api/v1/log`;
    const info = (await requestJson(url)) as LogInfo;
    if (typeof info.signedTreeHead !== 'string')
      throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: no signedTreeHead`);
    const { checkpoint: cp } = await verifyCheckpointNote(info.signedTreeHead, log.key);
    // Witness cosignatures are served with the tlog-checkpoint (GET /api/v2/checkpoint).
    let cosigned: string[] = [];
    if (witnesses) {
      const text = await getText(`${base}/api/v2/checkpoint`);
      const { cosigners } = await verifyCheckpointNote(text, log.key, witnesses);
      cosigned = [...new Set(cosigners.map((w) => w.name))];
    }
    if (
      info.treeSize !== cp.size ||
      typeof info.rootHash !== 'string' ||
      info.rootHash.toLowerCase() !== hexEncode(cp.rootHash)
    ) {
      throw new VerificationError(
        'TLOG_CHECKPOINT_MISMATCH',
        `${url}: treeSize/rootHash differ from the signed checkpoint's`,
      );
    }
    let consistency: string | undefined;
    if (previous !== undefined) {
      // The stored checkpoint was verified when stored; verify it again (the file is not trusted).
      const old = (await verifyCheckpointNote(previous, log.key)).checkpoint;
      if (old.origin !== cp.origin)
        throw new VerificationError(
          'TLOG_CHECKPOINT_MISMATCH',
          `the log's origin changed from ${old.origin} to ${cp.origin}`,
        );
      if (cp.size < old.size)
        throw new CliError(1, 'TREE_SHRANK', `the tree shrank from ${old.size} to ${cp.size}`);
      if (cp.size === old.size) {
        if (!bytesEqual(cp.rootHash, old.rootHash))
          throw new CliError(1, 'MERKLE_ROOT_MISMATCH', `two different roots for size ${cp.size} (fork)`);
        consistency = `same tree as in ${statePath}`;
      } else if (old.size > 0) {
        const proof = await getConsistencyProof(base, old.size, cp.size);
        checkConsistency(
          proof,
          old.size,
          cp.size,
          old.rootHash,
          cp.rootHash,
          `the tree of size ${cp.size} is not an extension of the one of size ${old.size} in ${statePath}`,
        );
        consistency = `consistent with size ${old.size} from ${statePath}`;
      }
    }
    if (statePath) {
      try {
        const tmp = `${statePath}.tmp-${process.pid}`;
        await writeFile(tmp, `${JSON.stringify({ checkpoint: info.signedTreeHead }, null, 2)}\n`);
        await rename(tmp, statePath);
      } catch (e) {
        throw outputError('cannot write state', statePath, e);
      }
    }
    const origin = parseCheckpoint(parseNote(info.signedTreeHead).text).origin;
    if (format === 'json') {
      printJson({
        verified: true,
        origin,
        treeSize: cp.size,
        rootHash: hexEncode(cp.rootHash),
        treeID: info.treeID,
        signedTreeHead: info.signedTreeHead,
        ...(witnesses ? { witnesses: cosigned } : {}),
        ...(consistency ? { consistency } : {}),
      });
    } else {
      process.stdout.write(
        [
          'Verification Successful!',
          `Origin: ${origin}`,
          `Tree Size: ${cp.size}`,
          `Root Hash: ${hexEncode(cp.rootHash)}`,
          `TreeID: ${String(info.treeID)}`,
          ...(witnesses ? [`Cosigned by: ${cosigned.join(', ')}`] : []),
          ...(consistency ? [`Consistency: ${consistency}`] : []),
          '',
        ].join('\n'),
      );
    }
    return 0;
  });
}
